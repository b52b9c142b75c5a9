"""Lines a site repeats on page after page are taken out of its pages' main text when the crawl ends."""

from __future__ import annotations

from sqlalchemy import select

from crawler.boilerplate import RepeatedLines
from kb.models import Document


def test_a_line_on_enough_pages_of_a_host_and_language_is_known_as_boilerplate():
    repeated = RepeatedLines(repeated_on=2, share=0.5)
    for n in range(3):
        repeated.count("a.test", "nl", f"Uniek verhaal {n}\nContext\nContact: Stadhuis, Markt 1", keep=["Context"])
    text = "Uniek verhaal 9\nContext\nContact: Stadhuis, Markt 1"
    assert repeated.strip_known("a.test", "nl", text, keep=["Context"]) == ("Uniek verhaal 9\nContext", 1)
    assert repeated.strip_known("b.test", "nl", text) == (text, 0)  # another host learns apart
    assert repeated.strip_known("a.test", "fr", text) == (text, 0)  # and another language


def test_a_line_on_too_few_pages_or_too_small_a_share_of_them_stays():
    repeated = RepeatedLines(repeated_on=2, share=0.5)
    for n in range(9):  # a theme's tag line on every third page: three pages, a third of them
        repeated.count("a.test", "nl", f"Verhaal {n}" + ("\nThema: slimme stad" if n % 3 == 0 else ""))
    assert repeated.strip_known("a.test", "nl", "Verhaal 0\nThema: slimme stad") == ("Verhaal 0\nThema: slimme stad", 0)
    once = RepeatedLines(repeated_on=2, share=0.1)
    once.count("a.test", "nl", "Alleen hier")
    assert once.strip_known("a.test", "nl", "Alleen hier") == ("Alleen hier", 0)


def test_past_its_limit_the_tracker_counts_only_lines_it_knows():
    one, two, three, four = (f"line number {n} of the page" for n in ("one", "two", "three", "four"))
    repeated = RepeatedLines(repeated_on=1, share=0.0, max_lines=2)
    repeated.count("a.test", "nl", f"{one}\n{two}")
    repeated.count("a.test", "nl", three)
    assert repeated.strip_known("a.test", "nl", f"{one}\n{three}\n{four}") == (f"{three}\n{four}", 1)


def test_lines_of_fewer_than_four_words_are_labels_and_stay():
    repeated = RepeatedLines(repeated_on=1, share=0.0)
    repeated.count("a.test", "nl", "Land\nOfficiële bron\nDeze tekst staat overal")
    assert repeated.strip_known("a.test", "nl", "Land\nOfficiële bron\nDeze tekst staat overal") == (
        "Land\nOfficiële bron", 1)


def test_a_crawled_site_stores_its_pages_without_its_contact_block_but_with_its_headings(site, crawl, kb):
    stories = [f"Verhaal {n}: de gemeente {n} opende een digitaal loket voor attesten en uittreksels."
               for n in range(12)]
    site.page("/", "<html lang='nl'><body><main><h1>Overzicht</h1><p>Alle praktijkvoorbeelden van digitale "
              "dienstverlening.</p>" + "".join(f"<a href='/p{n}.html'>{n}</a>" for n in range(12))
              + "</main></body></html>")
    for n, story in enumerate(stories):
        site.page(f"/p{n}.html", f"<html lang='nl'><body><main><h1>Geval {n}</h1><p>{story}</p><h2>Context</h2>"
                                 f"<p>Contact: Stadhuis, Markt 1, 9000 Gent, loket@gent.test</p></main></body></html>")
    crawl([site.url + "/"])
    with kb.session() as session:
        pages = {doc.url.rsplit("/", 1)[-1]: doc for doc in session.scalars(select(Document))}
    cases = [pages[f"p{n}.html"] for n in range(12)]
    assert not any("Contact: Stadhuis" in doc.text for doc in cases)
    assert all("Context" in doc.text and stories[n] in doc.text for n, doc in enumerate(cases))
    assert [doc.meta.get("boilerplate_lines") for doc in cases] == [1] * 12
    assert "Alle praktijkvoorbeelden" in pages[""].text and "boilerplate_lines" not in (pages[""].meta or {})


def test_a_crawl_without_repeated_lines_knows_none():
    repeated = RepeatedLines(repeated_on=2, share=0.5)
    repeated.count("a.test", "nl", "Een eerste pagina met eigen tekst")
    repeated.count("a.test", "nl", "Een tweede pagina met eigen tekst")
    assert not repeated.any_known()
    repeated.count("a.test", "nl", "Een tweede pagina met eigen tekst")
    assert repeated.any_known()
