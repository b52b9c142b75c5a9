"""The map of Europe: countries shaded by how many cases they hold, each a link to those cases.

The shapes are read once per process from webui/static/map/europe.svg (Natural Earth, public
domain; rebuilt by webui.europe_map_build), so the map needs no tile server and nothing from
the network. It is drawn on the server as inline SVG and works without JavaScript: a country
with cases is a link named with its count, and the template gives the same counts as a table
for anyone who cannot see or use the map. A code with no shape (EU, a micro-state) is in the
table only.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from webui.i18n import country_name

SHAPES = Path(__file__).resolve().parent / "static" / "map" / "europe.svg"
SVG = "{http://www.w3.org/2000/svg}"
SHADES = 5


@dataclass(frozen=True)
class Shape:
    code: str  # ISO 3166-1 alpha-2; empty for a neighbour drawn for context
    name: str
    d: str


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    count: int
    url: str | None
    shade: int = 0
    d: str = ""


@dataclass(frozen=True)
class EuropeMap:
    view_box: str
    context: tuple[str, ...]  # path data of the neighbours, drawn grey and never linked
    countries: tuple[MapCountry, ...]  # every European shape, with or without cases
    rows: tuple[MapCountry, ...]  # the table: every code with cases, most first
    legend: tuple[tuple[int, int, int], ...]  # (shade, lowest count, highest count)
    selected: str | None = None


@functools.cache
def load_shapes(path: Path = SHAPES) -> tuple[str, tuple[Shape, ...]]:
    """(viewBox, shapes) of the map file."""
    root = ElementTree.parse(path).getroot()
    shapes = tuple(Shape(p.get("id") or "", p.get("data-name") or "", p.get("d") or "")
                   for p in root.iter(f"{SVG}path"))
    return root.get("viewBox") or "0 0 100 100", shapes


def shade(count: int, most: int) -> int:
    """0 for none, else 1..SHADES on a logarithmic scale up to ``most`` (a few countries hold most cases)."""
    if count <= 0:
        return 0
    if most <= 1:
        return SHADES
    return 1 + min(SHADES - 1, int((SHADES - 1) * math.log(count) / math.log(most) + 1e-9))


def legend(most: int) -> tuple[tuple[int, int, int], ...]:
    """Each shade in use with the lowest and highest count it stands for."""
    spans: dict[int, list[int]] = {}
    for count in range(1, most + 1):
        spans.setdefault(shade(count, most), []).append(count)
    return tuple((level, counts[0], counts[-1]) for level, counts in sorted(spans.items()))


def europe_map(counts: dict[str, int], url_for_country: Callable[[str], str],
               selected: str | None = None) -> EuropeMap:
    """The map of ``counts`` (country code -> cases), each country with cases linking to ``url_for_country``."""
    view_box, shapes = load_shapes()
    counts = {code.upper(): n for code, n in counts.items() if code and n > 0}
    most = max(counts.values(), default=0)

    def country(code: str, d: str = "") -> MapCountry:
        count = counts.get(code, 0)
        return MapCountry(code, country_name(code), count, url_for_country(code) if count else None,
                          shade(count, most), d)

    selected = selected.upper() if selected else None
    # the selected country last, so that no neighbour is drawn over its outline
    drawn = tuple(sorted((country(s.code, s.d) for s in shapes if s.code), key=lambda c: c.code == selected))
    rows = tuple(sorted((country(code) for code in counts), key=lambda c: (-c.count, c.name.casefold())))
    return EuropeMap(view_box, tuple(s.d for s in shapes if not s.code), drawn, rows, legend(most), selected)
