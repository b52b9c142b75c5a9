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
