"""Bar charts of the catalogue's holdings, drawn on the server as SVG.

The home and hospital pages show what the consortium holds by hospital, disease area, data type and the
years datasets cover. The charts are inline SVG computed here (no JavaScript, nothing from a CDN, so
they work on every page load and in every browser), and each is drawn by templates/_chart.html as a
`<figure>` whose SVG is one labelled image, with the same numbers in a table beside it for screen
readers and for copying. A chart is plain geometry in a 400-unit-wide viewBox: the browser scales it to
the width it has, so it never makes a phone scroll sideways.

The figures are the search engine's facet counts (search `Search.holdings`): what the reader may see, a
dataset in several disease areas counted in each, exactly what the search page a bar links to counts.
The engine counts a million datasets in one request, where a pass over the records took twenty minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from hdcat.catalog import UNCLASSIFIED
from hdcat.ontology import hospitals
from hdcat.search.backends import SearchUnavailable
from hdcat.web.context import catalog
from hdcat.web.i18n import facet_label, plain
from hdcat.web.search_views import search_service

log = logging.getLogger(__name__)

WIDTH = 400
#: a row of a bar chart: its label above, then the bar with its number after it
ROW = 38
LABEL_GAP = 4
BAR_HEIGHT = 14
#: room left after the longest bar for its number
NUMBER_ROOM = 56
#: the year chart: its height, and room above for the top value and below for the years
YEARS_HEIGHT = 190
YEARS_TOP = 22
YEARS_BOTTOM = 24
#: at most this many years are written under the year chart
MOST_TICKS = 8


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    href: str | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    #: the table's heading for the first column (what a bar is: a hospital, a disease area, a year)
    key_title: str
    kind: str  # "rows" (a labelled bar a row) or "years" (a column a year)
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...] = ()
    top_value: int = 0
    note: str | None = None
    width: int = WIDTH

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def rows_chart(chart_id: str, title: str, key_title: str, items, note: str | None = None) -> Chart:
    """A horizontal bar a (key, label, value, link) item, longest to scale, in the order given."""
    items = list(items)
    most = max([v for _, _, v, _ in items] + [1])
    room = WIDTH - NUMBER_ROOM
    bars = tuple(
        Bar(
            key=key,
            label=label,
            value=value,
            href=href,
            x=0,
            y=i * ROW + 18 + LABEL_GAP,
            width=round(room * value / most, 1) if value else 0,
            height=BAR_HEIGHT,
        )
        for i, (key, label, value, href) in enumerate(items)
    )
    return Chart(chart_id, title, key_title, "rows", max(len(bars), 1) * ROW + 4, bars, note=note)


def years_chart(
    chart_id: str, title: str, key_title: str, years: dict, href, note: str | None = None
) -> Chart:
    """A column a year, from the first year any dataset covers to the last, gaps included (a year no dataset
    covers is a zero, not left out, so the axis is even)."""
    if not years:
        return Chart(chart_id, title, key_title, "years", YEARS_HEIGHT, (), note=note)
    first, last = min(years), max(years)
    span = list(range(first, last + 1))
    most = max(years.values())
    plot = YEARS_HEIGHT - YEARS_TOP - YEARS_BOTTOM
    step = WIDTH / len(span)
    gap = 1 if step >= 4 else 0
    bars = []
    for i, year in enumerate(span):
        value = years.get(year, 0)
        height = round(plot * value / most, 1)
        bars.append(
            Bar(
                key=str(year),
                label=str(year),
                value=value,
                href=href(year) if value else None,
                x=round(i * step, 2),
                y=round(YEARS_TOP + plot - height, 1),
                width=round(max(step - gap, 0.5), 2),
                height=height,
            )
        )
    every = next(n for n in (1, 2, 5, 10, 20, 25, 50, 100) if len(span) / n <= MOST_TICKS)
    ticks = tuple(
        (round(i * step + step / 2, 1), str(year)) for i, year in enumerate(span) if year % every == 0
    )
    return Chart(chart_id, title, key_title, "years", YEARS_HEIGHT, tuple(bars), ticks, most, note)


def _text(markup) -> str:
    """A label as plain text, for SVG <text> (no HTML inside it)."""
    return str(markup.striptags()) if hasattr(markup, "striptags") else str(markup)


def _hospital_label(h: dict) -> str:
    return plain({"ko": h.get("name_ko"), "en": h.get("name_en")}, h.get("id"))


def holdings_charts(
    figures: dict, hospital: str | None = None, by_hospital: dict | None = None
) -> list[Chart]:
    """The charts of a page: by hospital (home only: `by_hospital` is hospital id → its datasets), by
    disease area, by data type and by year covered, each bar linked to the search or listing it counts."""
    where = {"hospital": hospital} if hospital else {}
    charts = []
    if by_hospital is not None:
        charts.append(
            rows_chart(
                "chart-hospitals",
                _("Datasets by hospital"),
                _("Hospital"),
                [
                    (
                        h["id"],
                        _hospital_label(h),
                        by_hospital.get(h["id"], 0),
                        url_for("pages.hospital", hospital_id=h["id"]),
                    )
                    for h in hospitals()
                ],
            )
        )
    areas = figures["disease_areas"]
    charts.append(
        rows_chart(
            "chart-disease-areas",
            _("Datasets by disease area"),
            _("Disease area"),
            [
                (
                    a,
                    _text(facet_label("disease_area", a, a)),
                    n,
                    url_for("search.page", disease_area=a, **where),
                )
                for a, n in sorted(areas.items(), key=lambda kv: (kv[0] == UNCLASSIFIED, -kv[1], kv[0]))
            ],
            note=_("A dataset in several disease areas is counted in each."),
        )
    )
    charts.append(
        rows_chart(
            "chart-data-types",
            _("Datasets by data type"),
            _("Data type"),
            [
                (t, _text(facet_label("data_type", t, t)), n, url_for("search.page", data_type=t, **where))
                for t, n in sorted(
                    figures["data_types"].items(), key=lambda kv: (kv[0] == "unknown", -kv[1], kv[0])
                )
            ],
        )
    )
    no_period = figures["no_period"]
    charts.append(
        years_chart(
            "chart-years",
            _("Datasets by year covered"),
            _("Year"),
            figures["years"],
            lambda year: url_for("search.page", period=str(year), **where),
            note=(
                _(
                    "A dataset counts in every year its period (dct:temporal) touches; %(n)s state none.",
                    n=no_period,
                )
                if no_period
                else _("A dataset counts in every year its period (dct:temporal) touches.")
            ),
        )
    )
    return charts


def page_charts(
    members: bool, hospital: str | None = None, by_hospital: dict | None = None
) -> tuple[list[Chart], str | None]:
    """A page's charts (`holdings_charts`) from the search engine's counts, and what the reader should know
    of them. When the engine cannot answer, the page is still served without them: its table and listing
    come from the catalogue, and the charts are a view of the index. When the index is behind the catalogue
    (another number of datasets in it, or an update that failed and waits for a rebuild), the page says so
    rather than show figures that disagree without a word; judged on every dataset, not the reader's, so a
    dataset the public sees through one source and the search engine keeps for members (its document
    holds the other source's statements too) does not make it look behind for good."""
    try:
        search = search_service()  # opening it asks the engine too
        figures = search.holdings(members=members, hospital=hospital)
        behind = search.stale or search.count() != catalog().datasets.total(members=True)
    except Exception as exc:  # the charts are a view of the index: a page is served without them, never a 500
        if isinstance(exc, SearchUnavailable):
            log.warning("charts left out: %s", exc.message)
        else:
            log.exception("charts left out")
        return [], _("The charts are counted by the search engine, which cannot be reached just now.")
    note = (
        _(
            "The charts are counted by the search engine, whose index is being brought up to date after a "
            "change to the catalogue: until it is, they may not agree with its listings."
        )
        if behind
        else None
    )
    return holdings_charts(figures, hospital, by_hospital), note
