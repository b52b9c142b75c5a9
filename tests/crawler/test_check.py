"""Checking sources before a crawl: robots.txt and the seed page, answered with reasons."""

from __future__ import annotations

from crawler.check import check_seeds
from crawler.settings import CrawlSettings

SETTINGS = CrawlSettings(allow_private_hosts=True)


def test_robots_txt_is_read_once_per_site_however_many_seeds_it_has(site):
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.page("/", "<h1>Home</h1>")
    site.page("/private/a.html", "<h1>A</h1>")
    checks = check_seeds(SETTINGS, [(1, "city", site.url + "/"), (1, "city", site.url + "/private/a.html")])
    assert site.count("/robots.txt") == 1
    assert [(c.reachable, c.code, c.robots) for c in checks] == [
        (True, "ok", "robots.txt allows this seed"), (False, "robots", "robots.txt disallows this seed")]


def test_a_robots_txt_answering_5xx_means_the_crawler_will_wait_and_a_404_allows_everything(sites):
    down, absent = sites(), sites()
    down.page("/robots.txt", "busy", status=503, ctype="text/plain")
    for fixture in (down, absent):
        fixture.page("/", "<h1>Home</h1>")
    waiting, open_site = check_seeds(SETTINGS, [(1, "down", down.url + "/"), (2, "absent", absent.url + "/")])
    assert (waiting.reachable, waiting.code) == (False, "robots")
    assert waiting.robots == "robots.txt answered 503: the crawler will wait"
    assert (open_site.reachable, open_site.code, open_site.robots) == (True, "ok", "no robots.txt: everything allowed")
