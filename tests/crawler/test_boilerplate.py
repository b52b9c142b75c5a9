"""Lines a site repeats on page after page are taken out of later pages' main text."""

from __future__ import annotations

from sqlalchemy import select

from crawler.boilerplate import RepeatedLines
from kb.models import Document


def test_a_line_met_on_enough_earlier_pages_of_a_host_is_taken_out_of_the_next():
    repeated = RepeatedLines(repeated_on=2)
    page = "Uniek verhaal {n}\nContext\nContact: Stadhuis, Markt 1"
    assert repeated.strip("a.test", page.format(n=1), keep=["Context"]) == (page.format(n=1), 0)
    assert repeated.strip("a.test", page.format(n=2), keep=["Context"]) == (page.format(n=2), 0)
    assert repeated.strip("a.test", page.format(n=3), keep=["Context"]) == ("Uniek verhaal 3\nContext", 1)
    assert repeated.strip("b.test", page.format(n=4)) == (page.format(n=4), 0)  # another host learns apart


def test_past_its_limit_the_tracker_counts_only_lines_it_knows():
    repeated = RepeatedLines(repeated_on=1, max_lines=2)
    repeated.strip("a.test", "one\ntwo")
    repeated.strip("a.test", "three")
    assert repeated.strip("a.test", "one\nthree\nfour") == ("three\nfour", 1)


def test_a_crawled_site_stores_later_pages_without_its_contact_block_but_with_its_headings(site, crawl, kb):
    stories = [f"Verhaal {n}: de gemeente {n} opende een digitaal loket voor attesten en uittreksels." for n in range(12)]
    site.page("/", "<html lang='nl'><body><main><h1>Overzicht</h1><p>Alle praktijkvoorbeelden van digitale "
              "dienstverlening.</p>" + "".join(f"<a href='/p{n}.html'>{n}</a>" for n in range(12)) + "</main></body></html>")
    for n, story in enumerate(stories):
        site.page(f"/p{n}.html", f"<html lang='nl'><body><main><h1>Geval {n}</h1><p>{story}</p><h2>Context</h2>"
                                 f"<p>Contact: Stadhuis, Markt 1, 9000 Gent, loket@gent.test</p></main></body></html>")
    crawl([site.url + "/"])
    with kb.session() as session:
        pages = {doc.url.rsplit("/", 1)[-1]: doc for doc in session.scalars(select(Document))}
    cases = [pages[f"p{n}.html"] for n in range(12)]
    assert [("Contact: Stadhuis" in doc.text) for doc in cases] == [True] * 8 + [False] * 4
    assert all("Context" in doc.text and stories[n] in doc.text for n, doc in enumerate(cases))
    assert [doc.meta.get("boilerplate_lines") for doc in cases[8:]] == [1] * 4


def test_a_line_on_fewer_than_half_of_the_pages_read_stays():
    repeated = RepeatedLines(repeated_on=2)
    for n in range(6):  # a theme's tag line on every third page
        text, dropped = repeated.strip("a.test", f"Verhaal {n}" + ("\nThema: slimme stad" if n % 3 == 0 else ""))
        assert dropped == 0
    assert repeated.strip("a.test", "Verhaal 7\nThema: slimme stad") == ("Verhaal 7\nThema: slimme stad", 0)
