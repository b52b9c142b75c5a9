"""Recording what visits came to: each outcome type written to the frontier and the knowledge base.

The crawl loop (crawler.crawl) hands the outcomes of a turn here, in its
transaction; the links they add are written last, together (``Frontier.add_all``:
one order for every worker sharing the frontier), and what the outcomes teach the
recorder (pages stored, fingerprints, lines, sitemaps) holds once it committed:
a transaction rolled back to break a deadlock runs again whole. A page is stored,
or merged as "also at" into the document that already says the same: an exact
duplicate (content hash), or a near-duplicate (SimHash) of a page stored on the
crawl's hosts, by this crawl or an earlier one. A merged page still leads on to
the pages it links to, as does one answered 304 or unchanged (the links its
stored copy had). Links beyond ``max_depth`` are recorded as ``too_deep``, so the
limit shows. A redirect to another host is queued, not followed at once: the
target waits for its host's turn at the gate, its robots.txt and its delay. The
recorder also keeps the crawl's scope: a seed that moved to another host name
brings that host in.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from crawler.boilerplate import RepeatedLines
from crawler.database import transaction
from crawler.frontier import Claim, Frontier, NewUrls
from crawler.outcomes import (Deferred, Links, NotModified, Outcome, PageRead, Redirected, SitemapRead, Skipped,
                              Unchanged)
from crawler.politeness import host_key
from crawler.settings import CrawlSettings
from crawler.simhash import NearDuplicateIndex
from crawler.sitemaps import SITEMAP_MARKER, lastmod_detail, lastmod_of
from crawler.store import (Known, add_also_at, address_and_languages, mark_gone, own_and_duplicate, store_page,
                           strip_learnt_boilerplate, touch)
from crawler.urls import MAX_URL_CHARS, Scope, canonical_url, host_of
from crawler.visit import MAX_OUTLINKS
from kb.language import primary_subtag
from kb.models import Document
from kb.storage import KnowledgeBase

MAX_SITEMAPS = 500  # sitemap files read per crawl, however deep the indexes nest
STORED = "stored"
DEFERRED = "deferred"  # not an outcome shown: the URL went back to the frontier (its host rests after robots.txt)


class _Learnt:
    """What the outcomes of one transaction teach the recorder, held back until it commits: a
    transaction rolled back (and run again) must teach nothing. Its pages are seen by the pages
    after them in the same transaction, as they would be once committed."""

    def __init__(self, distance: int):
        self.urls = NewUrls()  # written at the end of the transaction
        self.stored: set[int] = set()
        self.near = NearDuplicateIndex(distance)  # fingerprints of its pages
        self.fingerprints: list[tuple[int, int | None]] = []  # (document id, fingerprint or None), in order
        self.lines: list[tuple] = []  # arguments of RepeatedLines.count
        self.sitemaps: set[str] = set()


class Recorder:
    """Writes the outcomes of one crawl job; only the crawl loop's thread calls it.

    ``record_all`` writes a transaction's outcomes; ``committed`` is told when it committed.
    """

    def __init__(self, settings: CrawlSettings, frontier: Frontier, scope: Scope, source_id: int | None,
                 near: NearDuplicateIndex):
        self.settings = settings
        self.frontier = frontier
        self.scope = scope
        self.source_id = source_id
        self.near = near
        self.stored_ids: set[int] = set()  # documents this run stored (a second address finds them)
        self.repeated = RepeatedLines()  # their lines, counted per host and language
        self.sitemaps: set[str] = set()  # sitemaps this run queued
        self.learnt = _Learnt(near.max_distance)

    def record_all(self, db, outcomes: list[Outcome]) -> list[str]:
        """Write ``outcomes`` and the links they add in ``db``'s transaction (the links last, in one pass:
        ``Frontier.add_all``); returns their reasons (or "stored"). Until ``committed`` is called,
        this run of the transaction may be rolled back and run again: nothing is learnt for good."""
        self.learnt = _Learnt(self.near.max_distance)
        reasons = [self._record(db, outcome) for outcome in outcomes]
        self.frontier.add_all(self.learnt.urls, db)
        return reasons

    def committed(self) -> None:
        """The transaction of the last ``record_all`` committed: what its outcomes taught holds."""
        learnt, self.learnt = self.learnt, _Learnt(self.near.max_distance)
        self.stored_ids |= learnt.stored
        for document_id, fingerprint in learnt.fingerprints:
            if fingerprint is None:
                self.near.discard(document_id)
            else:
                self.near.add(fingerprint, document_id)
        for counted in learnt.lines:
            self.repeated.count(*counted)
        self.sitemaps |= learnt.sitemaps

    def _record(self, db, outcome: Outcome) -> str:
        """Write ``outcome`` in ``db``'s transaction, and gather the links it adds (``record_all`` writes
        them); returns its reason (or "stored")."""
        entry = outcome.entry
        self._add_sitemaps(outcome.sitemaps, entry.url)
        self._add_bad_urls(entry, outcome.bad)
        match outcome:
            case Deferred():
                self.frontier.release(entry.id, db)  # claimed again once its host has rested
                return DEFERRED
            case Skipped():
                return self._skipped(db, outcome)
            case Redirected():
                return self._redirected(db, outcome)
            case SitemapRead():
                return self._sitemap(db, outcome)
            case NotModified() | Unchanged():
                return self._current(db, outcome)
            case PageRead():
                return self._page(db, outcome)
        raise TypeError(f"not a crawl outcome: {outcome!r}")

    def widen_scope(self, outcome: Outcome) -> None:
        """A seed that moved to another host name (gent.be -> stad.gent) brings that host into the scope:
        the site lives there now. Called as soon as the outcome is in, before the turn judges anything else."""
        host = outcome.joins_scope if isinstance(outcome, Redirected) else None
        if host is not None and not self.scope.covers(host):
            self.scope = self.scope.with_host(host)

    def strip_boilerplate(self, kb: KnowledgeBase) -> None:
        """Lines repeated page after page on a host (crawler.boilerplate) leave the pages this run stored."""
        if self.stored_ids and self.repeated.any_known():
            with transaction(kb) as db:
                strip_learnt_boilerplate(db, sorted(self.stored_ids), self.repeated)

    def _skipped(self, db, outcome: Skipped) -> str:
        skip, entry = outcome.skip, outcome.entry
        if outcome.gone:
            mark_gone(db, entry.url)
        self.frontier.finish(entry.id, "skipped", skip.reason, skip.detail, skip.status, db=db)
        self._enqueue(entry, outcome.links)  # a noindex page's links, a meta refresh's target
        return skip.reason

    def _current(self, db, outcome: NotModified | Unchanged) -> str:
        """Our copy is current (a 304, or its sitemap lastmod): it counts as checked, and its links lead on."""
        entry, confirmed = outcome.entry, isinstance(outcome, NotModified)
        reason = "not_modified" if confirmed else "unchanged_sitemap"
        detail = None if confirmed else f"sitemap lastmod {lastmod_of(entry.detail)}"
        document_id, links = touch(db, entry.url, lastmod_of(entry.detail), confirmed)
        self.frontier.finish(entry.id, "done", reason, detail, outcome.status if confirmed else None, document_id,
                             db=db)
        inside, outside, bad = self.scope.split(links)  # the links its stored copy had
        self._add_bad_urls(entry, bad)
        self._enqueue(entry, Links(inside, outside))
        return reason

    def _sitemap(self, db, outcome: SitemapRead) -> str:
        entry, sitemap = outcome.entry, outcome.sitemap
        self.frontier.finish(entry.id, "done", "sitemap", f"{len(sitemap.entries)} entries", outcome.status, db=db)
        if sitemap.is_index:
            self._add_sitemaps([loc for loc, _lastmod in sitemap.entries], entry.url)
            return "sitemap"
        # its pages are one link from the seeds (too_deep with --max-depth 0)
        inside = [(canonical_url(loc), 1, entry.url, lastmod_detail(lastmod)) for loc, lastmod in sitemap.entries]
        inside = [row for row in inside if self.scope.allows(row[0])]
        if self.settings.max_depth >= 1:
            self.learnt.urls.add(inside)
        else:
            self.learnt.urls.add([(*row[:3], "beyond max depth 0") for row in inside], status="skipped",
                                 reason="too_deep")
        return "sitemap"

    def _add_sitemaps(self, urls: list[str], referrer: str) -> None:
        """Queue sitemaps on the crawl's own hosts, at most MAX_SITEMAPS per crawl."""
        queued = self.sitemaps | self.learnt.sitemaps
        rows = [(canonical_url(url), 0, referrer, SITEMAP_MARKER) for url in urls
                if self.scope.covers(host_of(url)) and canonical_url(url) not in queued]
        rows = rows[: max(0, MAX_SITEMAPS - len(queued))]
        self.learnt.sitemaps.update(row[0] for row in rows)
        self.learnt.urls.add(rows)

    def _page(self, db, outcome: PageRead) -> str:
        """Store the page, or merge it into the document that already says the same."""
        entry, page = outcome.entry, outcome.page
        url = entry.url
        key = canonical_url(page.canonical) if page.canonical and host_of(page.canonical) == host_of(url) else url
        own, same = own_and_duplicate(db, key, outcome.digest)
        merged = self._merge(db, outcome, own, same)
        if merged is not None:
            return merged
        document_id = store_page(db, key, page, outcome.detected, outcome.response, self.source_id,
                                 outcome.fingerprint, lastmod_of(entry.detail), existing=own.id if own else None,
                                 digest=outcome.digest)
        if key != url:
            add_also_at(db, document_id, url)
        self.learnt.stored.add(document_id)
        self.learnt.lines.append((host_key(key), outcome.detected.lang if outcome.detected else None, page.text,
                                  page.meta.get("headings", ())))  # keyed as strip_learnt_boilerplate finds it again
        dropped = outcome.links.dropped
        detail = f"{dropped} links beyond the first {MAX_OUTLINKS} not followed" if dropped else None
        self.frontier.finish(entry.id, "done", None, detail, outcome.response.status, document_id, db=db)
        self.learnt.fingerprints.append((document_id, outcome.fingerprint))
        if outcome.fingerprint is not None:
            self.learnt.near.add(outcome.fingerprint, document_id)
        else:
            self.learnt.near.discard(document_id)
        self._enqueue(entry, outcome.links)
        return STORED

    def _merge(self, db, outcome: PageRead, own: Known | None, same: Known | None) -> str | None:
        """``duplicate`` or ``near_duplicate`` when the page was merged as "also at"; None to store it.

        A page with a document of its own is updated, never merged (which would leave that one stale),
        unless that document has the same text and this is another address of it (its rel=canonical
        names it), or this crawl stored it already.
        """
        if own is not None:
            if own.content_hash == outcome.digest and (own.url != outcome.entry.url or own.id in self.stored_ids
                                                       or own.id in self.learnt.stored):
                return self._also_at(db, outcome, own.id, "duplicate", f"same text as document {own.id}")
            return None
        if same is not None:
            return self._also_at(db, outcome, same.id, "duplicate", f"same text as document {same.id}")
        found = self._near_duplicate(outcome.fingerprint) if outcome.fingerprint is not None else None
        if found is None:
            return None
        (document_id, distance), described = found, address_and_languages(db, found[0])
        if described is None or _languages_differ(outcome, *described[1:]):
            return None  # a translation that shares a list of links is not a copy
        return self._also_at(db, outcome, document_id, "near_duplicate",
                             f"{distance} bits from document {document_id} ({described[0]})")

    def _near_duplicate(self, fingerprint: int) -> tuple[int, int] | None:
        """(document id, distance) of the closest page stored before, or earlier in this transaction."""
        changed = {document_id for document_id, _ in self.learnt.fingerprints}
        before = self.near.find(fingerprint)
        found = [hit for hit in (before, self.learnt.near.find(fingerprint)) if hit is not None]
        found = [hit for hit in found if hit is not before or hit[0] not in changed]  # its old text
        return min(found, key=lambda hit: hit[1], default=None)

    def _also_at(self, db, outcome: PageRead, document_id: int, reason: str, detail: str) -> str:
        """Merge the page into the document; its links are still followed: identical language stubs
        or tag pages each lead on to pages of their own."""
        add_also_at(db, document_id, outcome.entry.url)
        self.frontier.finish(outcome.entry.id, "skipped", reason, detail, outcome.response.status, db=db)
        self._enqueue(outcome.entry, outcome.links)
        return reason

    def _redirected(self, db, outcome: Redirected) -> str:
        """A redirect to another host: the target joins the frontier at the same depth (a redirect is no
        link), to be fetched in its host's turn, after that host's robots.txt and delay."""
        entry, target = outcome.entry, canonical_url(outcome.target)
        most = self.settings.max_redirects
        if self.frontier.redirects_into(entry, most, db) >= most:  # hosts sending a crawl round and round
            self.frontier.finish(entry.id, "skipped", "too_many_redirects", f"more than {most} redirects, across "
                                 "hosts", outcome.status, db=db)
            return "too_many_redirects"
        self.frontier.finish(entry.id, "done", "redirected", f"to {target}"[:1000], outcome.status, db=db)
        if entry.detail == SITEMAP_MARKER:
            self._add_sitemaps([target], entry.url)
        elif entry.depth == 0 or self.scope.allows(target):  # a seed's new host joined the scope (widen_scope)
            self.learnt.urls.add([(target, entry.depth, entry.url, entry.detail)])
        else:
            self.learnt.urls.add([(target, entry.depth, entry.url)], status="skipped", reason="out_of_scope")
        return "redirected"

    def _enqueue(self, entry: Claim, links: Links) -> None:
        """Queue a page's links (canonical already) one level deeper; those out of scope, or beyond
        ``max_depth``, are recorded as such."""
        depth = entry.depth + 1
        fits = [url for url in links.inside if len(url) <= MAX_URL_CHARS]
        urls = self.learnt.urls
        if depth <= self.settings.max_depth:
            urls.add([(url, depth, entry.url) for url in fits])
        else:
            beyond = f"beyond max depth {self.settings.max_depth}"
            urls.add([(url, depth, entry.url, beyond) for url in fits], status="skipped", reason="too_deep")
        urls.add([(url[:MAX_URL_CHARS], depth, entry.url, f"{len(url)} characters") for url in links.inside
                  if len(url) > MAX_URL_CHARS], status="skipped", reason="url_too_long")
        urls.add([(url[:MAX_URL_CHARS], depth, entry.url) for url in links.outside], status="skipped",
                 reason="out_of_scope")

    def _add_bad_urls(self, entry: Claim, bad: list[tuple[str, str]]) -> None:
        """Addresses met on the way that cannot be read: each skipped alone as ``bad_url``, with why."""
        self.learnt.urls.add([(url, entry.depth + 1, entry.url, detail[:1000]) for url, detail in bad],
                             status="skipped", reason="bad_url")


def near_duplicates_on(kb: KnowledgeBase, scope: Scope, distance: int) -> NearDuplicateIndex:
    """Fingerprints of the pages stored on the crawl's hosts, by this crawl or an earlier one.

    Not only this job's: on a re-crawl most pages answer 304 and are not stored again, so a
    near-duplicate met again would find nothing to merge into and be stored as a page of its own.
    """
    index = NearDuplicateIndex(distance)
    # url ranges, not LIKE 'http://host/%': SQLite's LIKE ignores case and cannot use the url index
    starts = [f"{scheme}://{host}{end}" for host in scope.hosts for scheme in ("http", "https") for end in "/:"]
    on_hosts = [and_(Document.url >= start, Document.url < start[:-1] + chr(ord(start[-1]) + 1)) for start in starts]
    if not on_hosts:
        return index
    query = (select(Document.id, Document.url, Document.simhash)
             .where(Document.simhash.is_not(None), Document.gone.is_(False), or_(*on_hosts)))
    with kb.session() as session:
        for document_id, url, fingerprint in session.execute(query).yield_per(1000):
            if host_of(url) in scope.hosts:
                index.add(int(fingerprint, 16), document_id)
    return index


def _languages_differ(outcome: PageRead, declared: str | None, detected: str | None) -> bool:
    """True when the pages declare (or else are detected in) different languages."""
    ours = primary_subtag(outcome.page.declared_lang)
    theirs = primary_subtag(declared)
    if not (ours and theirs):
        ours, theirs = outcome.detected.lang if outcome.detected else None, detected
    return bool(ours and theirs and ours != theirs)
