"""The file of Korean words analysed so far (search.analysis.KoreanTerms): a process whose words are all in
it gives the same terms as kiwipiepy without loading the model; a new word still loads it; a file made by
another kiwipiepy (or other kept tags) starts again empty. Each process here is a real new interpreter,
as a harvest or a reindex is."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import HDCAT

SAMPLES = Path(__file__).resolve().parents[1] / "harvesters" / "samples" / "consortium"
SAMPLE = SAMPLES / "haneul" / "catalog.ttl"
TEXTS = ["폐암 환자의 코호트", "심부전으로 입원한 환자", "당뇨망막병증 OCT 영상", "급성골수성백혈병 registry"]

ANALYSE = """
import json, sys
from pathlib import Path
from hdcat.search import analysis
if sys.argv[1] != "-":
    analysis.use_terms_file(Path(sys.argv[1]))
texts = json.loads(sys.argv[2])
terms = [analysis.analyze(t) for t in texts]
analysis.flush_terms()
print(json.dumps({"terms": terms, "model_loaded": analysis._kiwi is not None}))
"""


def analyse(terms_file, texts) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", ANALYSE, str(terms_file) if terms_file else "-", json.dumps(texts)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_known_words_are_not_analysed_again_and_new_ones_are(tmp_path):
    path = tmp_path / "search" / "korean-terms.sqlite"
    plain = analyse(None, TEXTS)
    first = analyse(path, TEXTS)
    again = analyse(path, TEXTS)
    assert plain["model_loaded"] and first["model_loaded"]
    assert first["terms"] == plain["terms"] and "환자" in first["terms"][0]
    assert again == {"terms": plain["terms"], "model_loaded": False}  # every word known: no model
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM terms").fetchone()[0] == 9  # each Korean word once
    new = analyse(path, [*TEXTS, "녹내장 검사"])
    assert new["model_loaded"] and new["terms"][-1] == analyse(None, ["녹내장 검사"])["terms"][0]


def test_a_file_from_another_analyser_starts_again_empty(tmp_path):
    path = tmp_path / "korean-terms.sqlite"
    analyse(path, TEXTS[:1])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'kiwipiepy 0.0.1; NNG' WHERE key = 'made_by'")
        db.execute("UPDATE terms SET terms = 'wrong'")
    redone = analyse(path, TEXTS[:1])
    assert redone["model_loaded"] and "wrong" not in redone["terms"][0]
    with sqlite3.connect(path) as db:
        assert "wrong" not in {row[0] for row in db.execute("SELECT terms FROM terms")}


SEARCH = """
import json, sys
from hdcat.catalog import Catalog, load_settings
from hdcat.search import analysis
from hdcat.search.service import Search
from hdcat.web.commands.common import bundled_config
search = Search(Catalog(load_settings(bundled_config())))
hits = {q: search.search({"q": q, "size": 5}, members=True)["total"] for q in json.loads(sys.argv[1])}
print(json.dumps({"hits": hits, "model_loaded": analysis._kiwi is not None}))
"""


def test_a_new_servers_first_searches_need_no_model(tmp_path):
    """Indexing analyses the synonym groups' words too, so the first search of a new process, which expands
    its words through the code lists' Korean and English names, finds them all known (it loaded the model
    in the request before: 4.4 s, with every search arriving meanwhile waiting)."""
    env = {**os.environ, "HDCAT_DATA_DIR": str(tmp_path / "data")}
    env.pop("HDCAT_STORE", None)
    env.pop("HDCAT_SEARCH_URL", None)
    harvest = subprocess.run(
        [*HDCAT, "harvest", f"dcat:{SAMPLE}"] + ["--hospital", "haneul"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert harvest.returncode == 0, harvest.stderr + harvest.stdout
    queries = ["breast cancer", "유방암", "hypertension", "고혈압"]
    r = subprocess.run(
        [sys.executable, "-c", SEARCH, json.dumps(queries)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["model_loaded"] is False
    hits = found["hits"]
    assert hits["유방암"] > 0 and hits["breast cancer"] == hits["유방암"], hits  # found through synonyms
    assert hits["고혈압"] > 0 and hits["hypertension"] == hits["고혈압"], hits
