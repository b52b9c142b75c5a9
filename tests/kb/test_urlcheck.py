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
