"""Near-duplicates: SimHash fingerprints, and pages merged into the one already stored."""

from __future__ import annotations

from sqlalchemy import select

from crawler.simhash import NearDuplicateIndex, hamming, simhash
from kb.models import Document

ARTICLE = ("Residents of the city can request certificates, extracts and permits online from home. "
           "The digital desk is open day and night, and a civil servant answers within five working days. "
           "People without a computer get help in the library, where volunteers guide them step by step. "
           "Since the start, the number of visits to the town hall has halved and waiting times are gone. "
           "The project began with a survey of the forty most requested documents, and the team rewrote "
           "every form in plain language before putting it online. Identity checks use the national eID "
           "card or a mobile app, so nobody has to print, sign and scan a paper any more. Payments run "
           "through the same portal, and a receipt arrives by mail together with the document itself. "
           "Staff who used to sit behind the counter now call residents back when a file is incomplete, "
           "which the council counts as the biggest gain: fewer rejected requests and less frustration. "
           "Smaller towns in the region have since joined, sharing the platform and its maintenance costs, "
           "and a users' panel meets twice a year to choose which services come next. "
           # Real case pages run to several hundred words; SimHash's 3-bit reach is meant for such lengths.
           "In the second year the city opened its data on requests: how many arrive per service, how long "
           "each takes and how many are refused, published every month as open data under a free licence. "
           "Journalists and a local university used the figures to compare districts, and the comparison "
           "showed that older residents in two neighbourhoods rarely used the portal. The council answered "
           "with a mobile desk, a van with a laptop and a printer that stops at markets and care homes. "
           "Volunteers from the neighbourhood associations staff it, trained by the library's digital coaches. "
           "A year later requests from those neighbourhoods had doubled. The evaluation report lists what "
           "went wrong as well: the first version of the app crashed on older phones, the payment provider "
           "changed twice, and the plain-language forms needed a second round after residents still found "
           "them hard. The report recommends that other towns start with a handful of services, involve "
           "residents from the first sketch, and budget for the help desk as seriously as for the software. "
           "The platform's code is published under the EUPL, and three regions abroad have studied it.")
OTHER = ("The harbour district is rebuilt with homes, schools and parks on the former docks. Heat comes "
         "from the river through a district heating network, and streets give room to bikes and trees. "
         "Residents helped design the squares in workshops held over two years with the architects.")


def html(title: str, text: str, lang: str = "en", extra: str = "") -> str:
    return (f"<html lang='{lang}'><head><title>{title}</title></head><body><nav>{extra}</nav><main>"
            f"<h1>{title}</h1><p>{text}</p></main></body></html>")


def test_small_edits_keep_the_fingerprint_close_and_other_texts_far():
    base = simhash(ARTICLE)
    assert hamming(base, simhash(ARTICLE + " Print version")) <= 3
    assert hamming(base, simhash(OTHER)) > 10
    assert simhash("too short to judge") is None


def test_the_fingerprint_is_the_majority_vote_of_each_bit_over_the_shingle_hashes():
    """Fingerprints are stored and compared with later crawls': a faster simhash must give the same bits."""
    import hashlib
    import re

    for text in (ARTICLE, OTHER, ARTICLE.upper() + " Ünïcode wörds, çà et là"):
        words = re.findall(r"\w+", text.lower())
        hashes = [int.from_bytes(hashlib.blake2b(" ".join(words[i:i + 3]).encode(), digest_size=8).digest(), "big")
                  for i in range(len(words) - 2)]
        votes = [sum(h >> bit & 1 for h in hashes) for bit in range(64)]
        assert simhash(text) == sum(1 << bit for bit in range(64) if votes[bit] > len(hashes) / 2)


def test_the_band_index_finds_a_fingerprint_within_three_bits_and_not_beyond():
    index = NearDuplicateIndex(3)
    index.add(0b1010_0000, 7)
    assert index.find(0b1010_0111) == (7, 3)
    assert index.find(0b1010_1111) is None


def test_a_document_indexed_again_is_found_by_its_new_fingerprint_only():
    index = NearDuplicateIndex(3)
    old, new = simhash(ARTICLE), simhash(OTHER)
    index.add(old, 7)
    index.add(new, 7)
    assert index.find(old) is None
    assert index.find(new) == (7, 0)
    index.discard(7)
    assert index.find(new) is None and index.bands == [{}, {}, {}, {}]


def test_a_page_whose_text_changed_no_longer_draws_copies_of_its_old_text(site, crawl, kb):
    site.page("/", html("Digital desk", ARTICLE))
    crawl([site.url + "/"])
    # The page now tells another story; a copy of its old text, met in the same recrawl, is a page of its own.
    site.page("/", html("Harbour", OTHER + " " + OTHER, extra="<a href='/copy.html'>copy</a>"))
    site.page("/copy.html", html("Digital desk", ARTICLE))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2 and result.summary["skipped"] == {}
    with kb.session() as session:
        assert sorted((d.url, d.also_at or []) for d in session.scalars(select(Document))) == [
            (site.url + "/", []), (site.url + "/copy.html", [])]


def test_a_near_duplicate_page_is_merged_as_also_at_with_reason_near_duplicate(site, crawl, kb):
    # The other copy lacks a line of the page (an update note); a bare "Print version" link line, as on
    # the demo site, is no main text any more (trafilatura reads it), and leaves an exact duplicate.
    site.page("/", html("Digital desk", ARTICLE + "</p><p>Last updated: May 2024",
                        extra="<a href='/print.html'>Print version</a><a href='/other.html'>x</a>"))
    site.page("/print.html", html("Digital desk", ARTICLE))
    site.page("/other.html", html("Harbour", OTHER))
    result = crawl([site.url + "/"])
    assert result.summary["stored"] == 2
    assert result.summary["skipped"] == {"near_duplicate": 1}
    with kb.session() as session:
        home = session.scalars(select(Document).where(Document.title == "Digital desk")).one()
        assert home.also_at == [site.url + "/print.html"]
        assert len(home.simhash) == 16


def test_a_translation_sharing_most_words_is_not_merged(site, crawl):
    site.page("/", html("Digital desk", ARTICLE, extra="<a href='/nl.html'>nl</a>"))
    site.page("/nl.html", html("Digitaal loket", ARTICLE, lang="nl"))  # same text, declared another language
    result = crawl([site.url + "/"])
    assert "near_duplicate" not in result.summary["skipped"]


def test_the_print_version_of_a_demo_case_is_merged_into_the_case(demo_kb, demo_site):
    knowledge_base, result = demo_kb
    url = demo_site[0]
    with knowledge_base.session() as session:
        case = session.scalars(select(Document).where(
            Document.url == url + "cases/antwerpen-city-of-things/nl.html")).one()
        printed = session.scalars(select(Document).where(Document.url.endswith("nl-print.html"))).all()
    assert url + "cases/antwerpen-city-of-things/nl-print.html" in case.also_at
    assert printed == []
    # The print version says "Printversie" in a line of its own: one line apart, so a near-duplicate.
    assert result.summary["skipped"].get("near_duplicate", 0) >= 1


def unchanged_since_first_answer(body: str):
    """A page that answers 304 to a conditional request, as a static server does."""
    def route(handler):
        if handler.headers.get("If-Modified-Since"):
            return 304, {}, b""
        return 200, {"Content-Type": "text/html; charset=utf-8", "Last-Modified": "Mon, 06 May 2024 10:00:00 GMT"}, \
            body.encode("utf-8")
    return route


def test_a_recrawl_merges_a_near_duplicate_into_a_page_that_answered_304(site, crawl, kb):
    site.routes["/"] = unchanged_since_first_answer(
        html("Digital desk", ARTICLE + "</p><p>Last updated: May 2024",
             extra="<a href='/print.html'>Print version</a>"))
    site.routes["/print.html"] = unchanged_since_first_answer(html("Digital desk", ARTICLE))
    first = crawl([site.url + "/"])
    second = crawl([site.url + "/"])
    assert first.summary["skipped"] == {"near_duplicate": 1}
    assert second.summary["skipped"] == {"near_duplicate": 1, "not_modified": 1}
    assert second.summary["stored"] == 0
    with kb.session() as session:
        documents = session.scalars(select(Document)).all()
    assert [(d.url, d.also_at) for d in documents] == [(site.url + "/", [site.url + "/print.html"])]
