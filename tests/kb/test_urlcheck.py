"""The source URL guard: http(s) and public addresses only, unless private hosts are allowed."""

from __future__ import annotations

import pytest

from kb.urlcheck import RefusedUrl, check_source_url


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/", "http://2130706433/",
    "http://0177.0.0.1/", "http://127.1/", "http://localhost/", "http://intranet.local/", "http://[fe80::1]/",
    "http://0.0.0.0/", "http://[::ffff:10.0.0.1]/", "gopher://example.org/", "http:///nohost",
    "http://user:pw@example.org/", "http://example.org:99999/", "http://exa mple.org/",
])
def test_private_numeric_local_and_malformed_urls_are_refused(url):
    with pytest.raises(RefusedUrl):
        check_source_url(url)


def test_a_hostname_resolving_to_loopback_is_refused():
    with pytest.raises(RefusedUrl, match="non-public"):
        check_source_url("https://sneaky.example/", resolve=lambda host, port: ["93.184.215.14", "127.0.0.1"])


def test_a_public_host_is_accepted_and_an_unresolvable_one_is_left_to_the_crawler():
    assert check_source_url(" https://www.gent.be/x ", resolve=lambda h, p: ["93.184.215.14"]) == "https://www.gent.be/x"
    assert check_source_url("https://not-resolving.example/", resolve=lambda h, p: []) == "https://not-resolving.example/"


def test_private_hosts_pass_when_allowed_but_the_scheme_is_still_checked():
    assert check_source_url("http://127.0.0.1:8765/", allow_private=True)
    with pytest.raises(RefusedUrl):
        check_source_url("file:///etc/passwd", allow_private=True)


# -- the rulebook: reading a URL, public addresses, scope ------------------------------------------

from kb.urlcheck import (BadUrl, check_url, in_scope, is_public_address, normalise_link,  # noqa: E402
                         parse_web_url, same_site, url_problem)


@pytest.mark.parametrize("address", [
    "2002:7f00:1::", "2002:a00:1::", "2002:c0a8:101::",  # 6to4 of 127.0.0.1, 10.0.0.1, 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo whose client is 192.0.2.45
    "2001:0:7f00:1:0:f227:f5ff:fffe",  # Teredo whose server is 127.0.0.1
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::7f00:1", "::a00:1",  # IPv4-mapped and IPv4-compatible
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::808:808",  # NAT64 of loopback, link-local; local-use
    "fec0::1", "fe80::1%eth0",
])
def test_ipv6_forms_that_embed_or_reach_a_private_address_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "::ffff:8.8.8.8", "2606:4700::1111",
                                     "93.184.215.14"])
def test_ipv6_forms_of_public_addresses_stay_public(address):
    assert is_public_address(address)


def test_a_6to4_url_of_a_private_address_is_refused_at_registration():
    with pytest.raises(RefusedUrl, match="not a public address"):
        check_source_url("http://[2002:7f00:1::]/", resolve=lambda h, p: [])


@pytest.mark.parametrize("url, why", [
    ("http://[::1", "cannot be parsed"), ("http://x.be:99999/", "port"), ("http://x.be:abc/", "port"),
    ("http://x.be:0/", "port"), ("http://x.be:\u0663/", "port"), ("http://xn--/", "label"),
    ("http://xn--a.be/", "IDNA"),
    ("http://" + "a" * 64 + ".be/", "label"), ("http://" + "abc." * 64 + "be/", "253"), ("http://a..be/", "label"),
    ("http://x.be\x00.evil/", "control"), ("http://x\x7f.be/", "control"), ("http://a b.be/", "host"),
    ("http://a\\b.be/", "host"), ("http://[1.2.3.4]/", "IPv6|parsed"), ("http://[fe80::1%25eth0]/", "zone"),
    ("http:///x", "no host"), ("http://\u2488.be/", "international"),
])
def test_a_url_that_cannot_be_read_is_a_bad_url_with_the_reason(url, why):
    with pytest.raises(BadUrl, match=why):
        parse_web_url(url)


def test_a_link_is_read_as_a_browser_reads_it_so_a_backslash_cannot_hide_the_host():
    link = normalise_link(" http://127.0.0.1:8099\\@1.1.1.1/a\\b?q=\\x \t\n")
    assert link == "http://127.0.0.1:8099/@1.1.1.1/a/b?q=\\x"
    address = parse_web_url(link)
    assert (address.host, address.port) == ("127.0.0.1", 8099)


def test_the_backslash_trick_is_refused_as_it_is_written_too():
    assert url_problem("http://127.0.0.1:8099\\@1.1.1.1/") is not None
    with pytest.raises(RefusedUrl):
        check_source_url("http://127.0.0.1:8099\\@1.1.1.1/", resolve=lambda h, p: ["1.1.1.1"])


def test_international_host_names_are_read_as_the_http_library_sends_them():
    from requests.models import PreparedRequest

    expected = PreparedRequest._get_idna_encoded_host("bürgerservice.straße.de")
    host = parse_web_url("https://Bürgerservice.Straße.DE./x").host
    assert host == expected == "xn--brgerservice-dlb.xn--strae-oqa.de"


def test_an_offline_check_judges_the_name_alone_and_an_online_one_every_address():
    assert check_url("https://www.gent.be/", resolve=None).host == "www.gent.be"
    with pytest.raises(RefusedUrl, match="single-label"):
        check_url("https://intranet/", resolve=None)
    with pytest.raises(RefusedUrl, match="non-public address 10.0.0.5"):
        check_url("https://www.gent.be/", resolve=lambda host, port: ["93.184.215.14", "10.0.0.5"])
    assert check_url("http://127.0.0.1:8000/", allow_private=True, resolve=None).port == 8000


def test_one_scope_rule_counts_www_and_bare_host_as_one_site_and_prefixes_by_whole_segments():
    assert same_site("www.stad.be", {"stad.be"}) and same_site("stad.be", {"www.stad.be"})
    assert not same_site("wwwstad.be", {"stad.be"})
    assert in_scope("https://www.stad.be/cases/x", ["stad.be"], include=["/cases"])
    assert not in_scope("https://stad.be/cases-old", ["stad.be"], include=["/cases"])
    assert not in_scope("https://stad.be/cases/admin/x", ["stad.be"], include=["/cases"], exclude=["/cases/admin"])
    assert not in_scope("ftp://stad.be/cases", ["stad.be"]) and not in_scope("http://[::1", ["stad.be"])


@pytest.mark.parametrize("link", [
    "https://www.gent.be/loket", "HTTP://Example.org/a b?x=1#top", "http://localhost:5000/x", "http://[::1]/",
    "http://bücher.de/", "https://10.0.0.1/intranet",
])
def test_a_stored_link_that_was_valid_stays_valid_and_no_name_is_resolved(link, monkeypatch):
    from kb import fields, urlcheck

    def no_lookups(*args, **kwargs):
        raise AssertionError("a stored link is judged offline")

    monkeypatch.setattr(urlcheck.socket, "getaddrinfo", no_lookups)
    assert fields.is_web_address is urlcheck.is_web_address  # the one rulebook, not a fifth check
    assert urlcheck.is_web_address(link)


@pytest.mark.parametrize("link", [
    "http://127.0.0.1:8099\\@1.1.1.1/", "http://evil.example\\.gent.be/", "http://user:pw@www.gent.be/",
    "http://www.gent.be:99999/", "http://", "https:///x", "http://exa mple.org/", "http://[::1/",
    "http://www.gent.be/\u2028x", "http://www.gent.be/\x85x", "javascript:alert(1)", "ftp://www.gent.be/",
])
def test_a_stored_link_the_crawler_could_not_read_alike_is_refused(link):
    from kb.fields import Fields
    from kb.urlcheck import is_web_address

    assert not is_web_address(link)
    fields = Fields({"url": link, "links": [link]})
    assert fields.url("url") is None and fields.urls("links") == []
