import pytest

from crawler.urls import Scope, canonical_url


def test_canonical_url_lowercases_host_drops_default_port_fragment_and_tracking():
    url = "HTTP://Example.BE:80/a/b?utm_source=x&b=2&a=1#top"
    assert canonical_url(url) == "http://example.be/a/b?a=1&b=2"


def test_canonical_url_makes_empty_path_a_slash_and_resolves_relative_links():
    assert canonical_url("https://example.be") == "https://example.be/"
    assert canonical_url("../x.html", base="https://example.be/a/b/c.html") == "https://example.be/a/x.html"


def test_canonical_url_keeps_non_default_ports_and_quotes_paths_once():
    assert canonical_url("http://127.0.0.1:8080/caf%C3%A9 x") == "http://127.0.0.1:8080/caf%C3%A9%20x"
    assert canonical_url("http://h/%7Euser") == canonical_url("http://h/~user")


def test_scope_keeps_to_seed_hosts_and_path_prefixes():
    scope = Scope.of_seeds(["https://stad.be/cases/"], include=["/cases/"], exclude=["/cases/admin"])
    assert scope.allows("https://stad.be/cases/one.html")
    assert not scope.allows("https://stad.be/news/one.html")
    assert not scope.allows("https://stad.be/cases/admin/x")
    assert not scope.allows("https://other.be/cases/one.html")
    assert not scope.allows("ftp://stad.be/cases/one.html")


def test_a_scope_counts_a_host_with_and_without_www_as_one_site_and_takes_a_moved_host_in():
    from crawler.urls import Scope

    scope = Scope.of_seeds(["https://stad.be/"])
    assert scope.allows("https://www.stad.be/loket") and scope.allows("http://stad.be/x")
    assert not scope.allows("https://wwwstad.be/") and not scope.allows("https://stad.gent/")
    moved = scope.with_host("Stad.Gent")
    assert moved.allows("https://stad.gent/nl/loket") and moved.allows("https://www.stad.be/")
    assert Scope.of_seeds(["https://www.stad.be/"]).allows("https://stad.be/")


def test_the_crawl_scope_and_the_catalogue_scope_are_one_rule():
    from kb.sources.catalogue import CatalogueEntry, url_in_scope

    entry = CatalogueEntry(key="k", name="K", seeds=("https://stad.be/cases",), hosts=("stad.be",),
                           include=("/cases",), exclude=("/cases/admin",), languages=("nl",), country="BE",
                           kind="municipality", recrawl_days=7, why="w")
    scope = Scope.of_seeds(entry.seeds, entry.include, entry.exclude, entry.hosts)
    for url in ["https://www.stad.be/cases/x", "https://stad.be/cases", "https://stad.be/cases-old",
                "https://stad.be/cases/admin/x", "https://wwwstad.be/cases", "ftp://stad.be/cases", "http://[::1"]:
        assert url_in_scope(entry, url) == scope.allows(url), url


def test_a_link_that_cannot_be_read_is_kept_apart_with_why_and_a_silent_rewrite_is_gone():
    from kb.urlcheck import BadUrl

    inside, outside, bad = Scope.of_seeds(["https://stad.be/"]).split(
        ["https://stad.be/a", "http://x.be:abc/", "mailto:x@stad.be", "http://[::1", "https://stad.be/a#top"])
    assert inside == ["https://stad.be/a"] and outside == ["mailto:x@stad.be"]
    assert [link for link, _why in bad] == ["http://x.be:abc/", "http://[::1"]
    with pytest.raises(BadUrl):
        canonical_url("http://x.be:abc/")  # it was "http://x.be/": another page than the one linked


def test_canonical_urls_are_read_as_a_browser_reads_links():
    assert canonical_url("http:\\\\stad.be\\a\\b?q=\\") == "http://stad.be/a/b?q=%5C"
    assert canonical_url("https://Straße.de/") == "https://xn--strae-oqa.de/"
    assert canonical_url("http://[0:0::1]:8080/") == "http://[::1]:8080/"
