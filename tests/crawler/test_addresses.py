import pytest

from crawler.addresses import check_url_allowed
from crawler.errors import RefusedAddress


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/", "http://localhost:8080/", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
])
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(RefusedAddress):
        check_url_allowed(url, allow_private=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "javascript:alert(1)", "http:///x"])
def test_only_http_and_https_with_a_host_are_allowed(url):
    with pytest.raises(RefusedAddress):
        check_url_allowed(url, allow_private=True)


def test_loopback_is_allowed_when_asked():
    check_url_allowed("http://127.0.0.1:9/", allow_private=True)


# -- the address the HTTP library really connects to -----------------------------------------------

import requests  # noqa: E402

from crawler.addresses import GuardedAdapter, PeerGuard  # noqa: E402
from crawler.errors import SkipError  # noqa: E402
from crawler.fetch import Fetcher  # noqa: E402
from crawler.settings import CrawlSettings  # noqa: E402
from kb.urlcheck import is_public_address  # noqa: E402

SECRET = "<html><body><main><p>Internal admin page: the database password is hunter2.</p></main></body></html>"


def test_a_url_that_urllib3_reads_as_another_host_is_refused_before_any_request(site):
    site.page("/", SECRET)
    port = site.url.rsplit(":", 1)[1]
    disguised = f"http://127.0.0.1:{port}\\@1.1.1.1/"  # urlsplit: host 1.1.1.1; urllib3: 127.0.0.1:port
    with pytest.raises(SkipError) as refused:
        Fetcher(CrawlSettings(retries=0)).fetch(disguised)
    assert refused.value.reason == "refused_address"
    assert site.log == []


@pytest.mark.parametrize("address", ["[2002:7f00:1::]", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[::7f00:1]"])
def test_ipv6_disguises_of_loopback_are_refused(address):
    with pytest.raises(RefusedAddress):
        check_url_allowed(f"http://{address}/", allow_private=False)


def test_a_connection_to_a_private_peer_is_closed_before_a_request_is_sent(site):
    site.page("/", SECRET)
    session = requests.Session()
    session.mount("http://", GuardedAdapter(PeerGuard()))
    with pytest.raises(RefusedAddress, match="non-public address 127.0.0.1"):
        session.get(site.url + "/", timeout=5)
    assert site.log == []


def test_a_redirect_hiding_a_private_host_behind_a_backslash_reaches_nothing(sites):
    """The red-team's redirect: 127.0.0.2 stands in for a public site, 127.0.0.1 is the internal one."""
    internal, public = sites("127.0.0.1"), sites("127.0.0.2")
    internal.page("/", SECRET)
    port = internal.url.rsplit(":", 1)[1]
    public.page("/", "", status=302, headers={"Location": f"http://127.0.0.1:{port}\\@1.1.1.1/"})
    stand_in = lambda address: address == "127.0.0.2" or is_public_address(address)  # noqa: E731
    with pytest.raises(SkipError) as refused:
        Fetcher(CrawlSettings(retries=0), is_public=stand_in).fetch(public.url + "/")
    assert refused.value.reason == "refused_address" and "127.0.0.1" in refused.value.detail
    assert public.log == ["/"] and internal.log == []


def test_the_connect_time_guard_is_on_by_default_and_off_only_when_private_hosts_are_allowed(site):
    site.page("/", SECRET)
    guarded = Fetcher(CrawlSettings(retries=0))
    with pytest.raises(RefusedAddress):
        guarded.session.get(site.url + "/", timeout=5)  # past the URL check: the socket's peer is judged
    assert site.log == []
    allowed = Fetcher(CrawlSettings(retries=0, allow_private_hosts=True))
    assert allowed.fetch(site.url + "/").status == 200 and site.log == ["/"]
    assert not isinstance(allowed.session.get_adapter(site.url), GuardedAdapter)
