"""Build the sample consortium's database sources (run once; the outputs are committed).

- hanbit/omop.sqlite: the OMOP CDM 5.4 Synthea27Nj sample (synthetic, Apache-2.0, from
  ../shared/external/omop-synthea27nj) as SQLite, for the OMOP harvester in `hdcat demo`.
- haneul/emr.sqlite: a small EMR schema with tables, keys and views (no rows), for the SQL harvester.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "harvesters" / "samples" / "consortium"
EXTERNAL = ROOT.parent / "shared" / "external"
TABLES = [
    "cdm_source",
    "person",
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "measurement",
    "observation",
    "death",
    "device_exposure",
    "concept",
    "vocabulary",
]


def omop() -> None:
    target = OUT / "hanbit" / "omop.sqlite"
    target.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    with zipfile.ZipFile(EXTERNAL / "omop-synthea27nj" / "Synthea27Nj_5.4.zip") as zf:
        names = {
            Path(n).stem.lower(): n
            for n in zf.namelist()
            if n.lower().endswith(".csv") and "__MACOSX" not in n
        }
        for table in TABLES:
            with zf.open(names[table]) as fh:
                rows = list(csv.reader(io.TextIOWrapper(fh, encoding="utf-8")))
            header = [h.lower() for h in rows[0]]
            columns = ", ".join(f"{c} INTEGER" if c.endswith("_id") else f"{c} TEXT" for c in header)
            db.execute(f"CREATE TABLE {table} ({columns})")
            db.executemany(
                f"INSERT INTO {table} VALUES ({', '.join('?' * len(header))})",
                ([v if v != "" else None for v in r] for r in rows[1:]),
            )
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"{target}: {target.stat().st_size:,} bytes", file=sys.stderr)


def emr() -> None:
    target = OUT / "haneul" / "emr.sqlite"
    target.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    db.executescript("""
    CREATE TABLE patient (patient_key INTEGER PRIMARY KEY, birth_year INTEGER, sex TEXT);
    CREATE TABLE encounter (encounter_key INTEGER PRIMARY KEY,
      patient_key INTEGER REFERENCES patient(patient_key),
      encounter_date DATE, department TEXT, encounter_type TEXT);
    CREATE TABLE diagnosis (diagnosis_key INTEGER PRIMARY KEY,
      encounter_key INTEGER REFERENCES encounter(encounter_key),
      kcd_code TEXT, diagnosis_date DATE, primary_flag INTEGER);
    CREATE TABLE spirometry (test_key INTEGER PRIMARY KEY,
      encounter_key INTEGER REFERENCES encounter(encounter_key),
      fev1_l REAL, fvc_l REAL, fev1_fvc_ratio REAL, loinc_code TEXT);
    CREATE VIEW copd_cohort AS SELECT e.patient_key, d.diagnosis_date FROM diagnosis d
      JOIN encounter e ON e.encounter_key = d.encounter_key WHERE d.kcd_code LIKE 'J44%';
    CREATE VIEW copd_spirometry AS SELECT c.patient_key, s.fev1_l, s.fvc_l FROM copd_cohort c
      JOIN encounter e ON e.patient_key = c.patient_key
      JOIN spirometry s ON s.encounter_key = e.encounter_key;
    """)
    db.close()
    print(f"{target}: {target.stat().st_size:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    omop()
    emr()
