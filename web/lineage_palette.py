"""Which colour and which short label a lineage node's hospital gets, and the legend that explains them.

Colour is never the only cue (WCAG 1.4.1): every node also names its hospital in text, and the legend
pairs each colour with the hospital's short and full names. The colours are a registry keyed by hospital
id, in the order of `hdcat.ontology.hospitals()`; a hospital added later without a colour of its own takes
one from the spare list rather than breaking the page. Each colour is dark enough to reach 4.5:1 against
white and against its own 12 % tint, the box fill (tests/test_lineage_page.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass

from hdcat.ontology import hospitals

#: hospital id → stroke and text colour; the box is filled with the same colour at TINT opacity
COLOURS: dict[str, str] = {
    "hanbit": "#005a8c",  # blue
    "saebom": "#a83f00",  # vermilion
    "gaon": "#00664f",  # bluish green
    "mirae": "#6e5600",  # dark gold
    "haneul": "#4b3fa3",  # violet
    "purun": "#9a2f6a",  # reddish purple
    "dasom": "#9c1c1c",  # red
    "balgeun": "#6b4226",  # brown
}
SPARE = ("#375a7f", "#5c6b00", "#7a3e9d", "#2f6f6f")
NONE = "#4f5b66"  # a node no member hospital owns (a research bucket, an outside source)
TINT = 0.12


@dataclass(frozen=True)
class Swatch:
    hospital: str | None  # hospital id, None for "no member hospital"
    colour: str
    short: str  # what the node shows beside its title
    name_en: str
    name_ko: str


def _records() -> dict[str, dict]:
    return {h["id"]: h for h in hospitals()}


def swatch(hospital: str | None) -> Swatch:
    """The colour and names of a hospital id (None, or an id that is no member: the neutral swatch)."""
    record = _records().get(hospital or "")
    if record is None:
        return Swatch(None, NONE, "—", "no member hospital", "소속 병원 없음")
    ids = [h["id"] for h in hospitals()]
    colour = COLOURS.get(record["id"]) or SPARE[ids.index(record["id"]) % len(SPARE)]
    short = (record["name_en"] or record["id"]).split()[0]
    return Swatch(record["id"], colour, short, record["name_en"] or "", record["name_ko"] or "")


def legend(hospital_ids) -> list[Swatch]:
    """One swatch for each hospital that appears, in the consortium's order; the neutral one last."""
    present = set(hospital_ids)
    known = [swatch(h["id"]) for h in hospitals() if h["id"] in present]
    if present - {s.hospital for s in known}:
        known.append(swatch(None))
    return known


def tint(colour: str, alpha: float = TINT) -> str:
    """`colour` laid at `alpha` over white, as the box fill is drawn (for measuring contrast)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * alpha):02x}" for c in rgb)
