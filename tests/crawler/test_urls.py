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
