"""Rebuild webui/static/map/europe.svg, the country shapes of the map of Europe, from world-atlas.

The shapes are Natural Earth's 1:50m countries (public domain), as the npm package world-atlas
2.0.2 redistributes them in TopoJSON (ISC licence; see webui/static/map/NOTICE.txt). This reads
its countries-50m.json, keeps the rings that reach into 25° W - 45° E, 34° N - 72° N, projects
them with the Lambert azimuthal equal-area projection centred on 10° E 52° N (the projection of
EPSG:3035, on a sphere), cuts them to the rectangle that holds every European country but Russia
and Turkey (Sutherland-Hodgman, in the plane), drops points closer than 1.5 units to the last one
kept and rings smaller than a few square units, rounds to whole units (the map is some 650 units
wide), and writes one ``<path>`` per country: ``id`` is the ISO 3166-1 alpha-2 code of a European
country, or empty for a neighbour drawn for context. The web UI never fetches anything: it reads
this file.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m webui.europe_map_build package/countries-50m.json webui/static/map/europe.svg
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

FRAME = (-25.0, 34.0, 45.0, 72.0)  # west, south, east, north in degrees
CENTRE = (10.0, 52.0)
RADIUS = 1000.0  # SVG units for one Earth radius
MIN_STEP, MIN_AREA = 1.5, 4.0
MARGIN = 15.0
WIDE = {"RU", "TR"}  # drawn only as far as the window of the others reaches
# ISO 3166-1 numeric -> alpha-2 for the countries people look for on a map of Europe.
EUROPE = {"008": "AL", "020": "AD", "040": "AT", "056": "BE", "070": "BA", "100": "BG", "112": "BY", "191": "HR",
          "196": "CY", "203": "CZ", "208": "DK", "233": "EE", "246": "FI", "250": "FR", "276": "DE", "300": "GR",
          "348": "HU", "352": "IS", "372": "IE", "380": "IT", "428": "LV", "438": "LI", "440": "LT", "442": "LU",
          "470": "MT", "492": "MC", "498": "MD", "499": "ME", "528": "NL", "807": "MK", "578": "NO", "616": "PL",
          "620": "PT", "642": "RO", "643": "RU", "674": "SM", "688": "RS", "703": "SK", "705": "SI", "724": "ES",
          "752": "SE", "756": "CH", "792": "TR", "804": "UA", "826": "GB", "336": "VA"}
BY_NAME = {"Kosovo": "XK"}  # no numeric code in ISO 3166-1


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as lists of (lon, lat): delta-decoded and de-quantized."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    return geometry["arcs"] if geometry["type"] == "MultiPolygon" else []


def in_frame(points: list[tuple[float, float]]) -> bool:
    """Whether a ring (lon, lat) reaches into the frame (French Guiana, Siberia's far east do not)."""
    west, south, east, north = FRAME
    return any(west <= lon <= east and south <= lat <= north for lon, lat in points)


def clip(points: list[tuple[float, float]], window: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the ring cut to the rectangle ``window`` (left, top, right, bottom)."""
    left, top, right, bottom = window
    edges = [(lambda p: p[0] >= left, lambda a, b: _at_x(a, b, left)),
             (lambda p: p[0] <= right, lambda a, b: _at_x(a, b, right)),
             (lambda p: p[1] >= top, lambda a, b: _at_y(a, b, top)),
             (lambda p: p[1] <= bottom, lambda a, b: _at_y(a, b, bottom))]
    for inside, cross in edges:
        if not points:
            break
        kept, previous = [], points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    kept.append(cross(previous, point))
                kept.append(point)
            elif inside(previous):
                kept.append(cross(previous, point))
            previous = point
        points = kept
    return points


def _at_x(a, b, x):
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _at_y(a, b, y):
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def project(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon - CENTRE[0]), math.radians(lat)
    phi0 = math.radians(CENTRE[1])
    k = math.sqrt(2 / (1 + math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)))
    x = k * math.cos(phi) * math.sin(lam)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    return x * RADIUS, -y * RADIUS


def simplified(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = points[:1]
    for point in points[1:]:
        if math.dist(point, kept[-1]) >= MIN_STEP:
            kept.append(point)
    return kept


def area(points: list[tuple[float, float]]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(points, points[1:] + points[:1]))) / 2


def projected_rings(arcs: list, geometry: dict) -> list[list[tuple[float, float]]]:
    return [[project(*p) for p in points] for polygon in polygons(geometry) for indexes in polygon
            if in_frame(points := ring(arcs, indexes))]


def window_of(shapes: list[tuple[str, str, list]]) -> tuple[float, float, float, float]:
    """The rectangle that holds every European country but Russia and Turkey whole, with a margin."""
    points = [p for code, _, rings in shapes if code and code not in WIDE for r in rings for p in r]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs) - MARGIN, min(ys) - MARGIN, max(xs) + MARGIN, max(ys) + MARGIN


def drawable(rings: list, window: tuple[float, float, float, float]) -> list[list[tuple[float, float]]]:
    kept = []
    for points in rings:
        points = simplified(clip(points, window))
        if len(points) >= 3 and area(points) >= MIN_AREA:
            kept.append(points)
    return kept


def path_data(points: list[tuple[int, int]]) -> str:
    """A closed ring in whole units: the first point, then each step from the one before (``l``)."""
    steps, previous = [], points[0]
    for point in points[1:]:
        if point != previous:
            steps.append(f"{point[0] - previous[0]},{point[1] - previous[1]}")
            previous = point
    return f"M{points[0][0]},{points[0][1]}l" + " ".join(steps) + "z" if len(steps) >= 2 else ""


def build_svg(topology: dict) -> str:
    arcs = decode_arcs(topology)
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        code = EUROPE.get(geometry.get("id") or "", BY_NAME.get(name, ""))
        shapes.append((code, name, projected_rings(arcs, geometry)))
    window = window_of(shapes)
    left, top, right, bottom = window
    lines = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right - left:.0f} {bottom - top:.0f}">',
             "<!-- Natural Earth 1:50m countries (public domain) via world-atlas 2.0.2 (ISC); "
             "built by webui/europe_map_build.py -->"]
    for code, name, rings in sorted(shapes, key=lambda s: (s[0] == "", s[1])):
        rings = drawable(rings, window)
        d = "".join(path_data([(round(x - left), round(y - top)) for x, y in r]) for r in rings)
        if d:
            lines.append(f"<path id={quoteattr(code)} data-name={quoteattr(name)} d={quoteattr(d)}/>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    source, target = argv
    Path(target).write_text(build_svg(json.loads(Path(source).read_text(encoding="utf-8"))), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
