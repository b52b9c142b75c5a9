"""The map of Europe (webui.europe_map): shipped shapes, shading, and links to each country's cases."""

from __future__ import annotations

import re
from html import unescape

import pytest

from webui.europe_map import SHAPES, europe_map, legend, load_shapes, shade

EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
      "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def test_the_shapes_ship_in_the_repository_with_their_licence_and_hold_every_eu_country():
    view_box, shapes = load_shapes()
    codes = {shape.code for shape in shapes if shape.code}
    assert EU | {"GB", "NO", "CH", "IS", "UA", "RS"} <= codes
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes) and len(view_box.split()) == 4
    notice = (SHAPES.parent / "NOTICE.txt").read_text(encoding="utf-8")
    assert "Natural Earth" in notice and "public domain" in notice and "Permission to use" in notice
    assert "http" not in SHAPES.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")


def test_shades_grow_with_the_count_on_a_log_scale_and_the_legend_covers_every_count():
    assert shade(0, 14) == 0 and shade(1, 14) == 1 and shade(14, 14) == 5 and shade(3, 3) == 5 and shade(1, 1) == 5
    assert [shade(n, 100) for n in range(1, 101)] == sorted(shade(n, 100) for n in range(1, 101))
    spans = legend(14)
    assert spans[0][1] == 1 and spans[-1][2] == 14
    assert all(a[2] + 1 == b[1] for a, b in zip(spans, spans[1:]))


def test_only_countries_with_cases_link_and_a_code_without_a_shape_is_in_the_table_only():
    drawn = europe_map({"BE": 14, "NL": 2, "EU": 1, "ES": 0}, lambda code: f"/cases/?country={code}", "be")
    by_code = {country.code: country for country in drawn.countries}
    assert by_code["BE"].url == "/cases/?country=BE" and by_code["BE"].shade == 5 and by_code["ES"].url is None
    assert drawn.countries[-1].code == "BE" == drawn.selected  # drawn last, its outline on top
    assert [(row.code, row.count) for row in drawn.rows] == [("BE", 14), ("NL", 2), ("EU", 1)]
    assert "EU" not in by_code and not by_code["ES"].count


@pytest.fixture(scope="module")
def client(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config["TESTING"] = True
    return app.test_client()


def map_links(html: str) -> dict[str, tuple[str, int]]:
    """Each country of the map: (link, count in its name)."""
    found = re.findall(r'<a href="([^"]+)" data-map-country="(\w+)" aria-label="[^"]*: (\d+) cases?"', html)
    return {code: (unescape(href), int(count)) for href, code, count in found}


def total(client, url: str) -> int:
    return int(re.search(r'data-total="(\d+)"', client.get(url).get_data(as_text=True)).group(1))


def test_the_home_map_links_each_country_to_its_cases_with_the_count_the_cases_page_shows(client):
    links = map_links(client.get("/").get_data(as_text=True))
    assert len(links) >= 20 and links["BE"][0] == "/cases/?country=BE"
    for code in ("BE", "DE", "FR", "LT"):
        href, count = links[code]
        assert total(client, href) == count, code


def test_the_cases_map_keeps_the_other_filters_and_marks_the_chosen_country(client):
    html = client.get("/cases/?theme=open-data&country=FR&sort=title").get_data(as_text=True)
    links = map_links(html)
    assert 'aria-current="true"' in html and 'class="shade-' in html and "selected" in html
    href, count = links["BE"]
    assert "theme=open-data" in href and "sort=title" in href and "country=FR" not in href
    assert total(client, href) == count > 0
    table = re.findall(r'data-table-country="(\w+)"', html)
    assert set(table) == set(links) | ({"EU"} & set(table))


@pytest.mark.parametrize("lang, heading", [("nl", "Waar de cases zijn"), ("fr", "Où se trouvent les cas"),
                                           ("de", "Wo die Fälle sind")])
def test_the_map_speaks_the_interface_language(client, lang, heading):
    html = client.get(f"/?lang_ui={lang}").get_data(as_text=True)
    assert heading in html and {"nl": "België", "fr": "Belgique", "de": "Belgien"}[lang] in html
