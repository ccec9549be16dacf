"""The synonym groups are made once a process even when many searches arrive at once."""

from __future__ import annotations

import threading

from hdcat.search import synonyms


def test_searches_arriving_together_make_the_groups_once(monkeypatch):
    made = []
    real = synonyms.conditions_graph

    def counted():
        made.append(threading.current_thread().name)
        return real()

    monkeypatch.setattr(synonyms, "conditions_graph", counted)
    synonyms._groups.cache_clear()
    synonyms._made_index.cache_clear()
    start = threading.Barrier(8)
    answers = []

    def search():
        start.wait()
        answers.append(synonyms.expand(["lung", "cancer"]))

    threads = [threading.Thread(target=search) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        synonyms._groups.cache_clear()
        synonyms._made_index.cache_clear()
    assert len(made) == 1, made
    assert len(answers) == 8 and all(a == answers[0] for a in answers)
    assert ("폐암",) in answers[0][0]  # one span, with its Korean name among the alternatives
