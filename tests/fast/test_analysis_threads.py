"""Analysis is called from request threads and a rebuild thread at once: each word must get its own terms."""

from __future__ import annotations

import random
import sys
import threading

from hdcat.search import analysis


def test_words_stemmed_in_many_threads_get_their_own_stems():
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted(
        {"".join(rng.choice(letters) for _ in range(rng.randint(5, 14))) + "ing" for _ in range(4000)}
    )
    import snowballstemmer

    reference = snowballstemmer.stemmer("english")
    expected = {w: reference.stemWord(w) for w in words}
    analysis._latin.cache_clear()
    wrong: list = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, as a busy server does
    try:

        def stem(chunk):
            for w in chunk:
                got = analysis._latin(w)
                if got != expected[w]:
                    wrong.append((w, got))

        threads = [threading.Thread(target=stem, args=(words[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
        analysis._latin.cache_clear()
    assert not wrong, wrong[:5]
