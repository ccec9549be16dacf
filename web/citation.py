"""How to cite a dataset: researchers cite the data they used, in the form their journal asks for.

The citation follows DataCite's recommended form (Creator (Year). Title. Publisher. Identifier), with the
hospital as creator and the dataset's IRI (or its DOI-like identifier, when it has one) as the identifier.
"""

from __future__ import annotations

import re


def _year(record: dict) -> str:
    for key in ("issued", "modified"):
        value = record.get(key) or ""
        if value[:4].isdigit():
            return value[:4]
    return "n.d."


def _creator(record: dict) -> str:
    hospital = record.get("hospital") or {}
    return hospital.get("name_en") or (record.get("publisher") or {}).get("name") or "Unknown publisher"


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([{}\\&%$#_])", r"\\\1", text)


def citation(record: dict) -> dict:
    """The dataset's citation as text and as BibTeX."""
    title = record.get("titles", {}).get("en") or record.get("title") or record["id"]
    year = _year(record)
    creator = _creator(record)
    identifier = record.get("identifier") if str(record.get("identifier", "")).startswith("10.") else None
    link = f"https://doi.org/{identifier}" if identifier else record["iri"]
    text = f"{creator} ({year}). {title} [Data set]. {creator}. {link}"
    bibtex = "\n".join(
        [
            f"@misc{{{re.sub(r'[^A-Za-z0-9-]', '', record['id'])},",
            f"  author = {{{{{_bibtex_escape(creator)}}}}},",
            f"  title = {{{_bibtex_escape(title)}}},",
            f"  year = {{{year}}},",
            f"  publisher = {{{_bibtex_escape(creator)}}},",
            f"  howpublished = {{\\url{{{link}}}}},",
            "  note = {Dataset}",
            "}",
        ]
    )
    return {"text": text, "bibtex": bibtex}
