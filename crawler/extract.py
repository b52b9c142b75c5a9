"""Extracting a page: decoded text, title, main content, links and metadata.

The main text leaves out navigation, headers, footers, cookie banners and
related-links boxes (``crawler.main_region`` finds the region, ``crawler.maintext``
weighs it against trafilatura's reading). Metadata comes from what the page
declares: ``<html lang>``, ``hreflang`` alternates, ``rel=canonical``, meta
description, Open Graph and JSON-LD (schema.org), mapped to the knowledge base's
fields. The main content's h1-h3 headings are kept apart too (``meta["headings"]``),
and how much of it is teasers of other pages (``meta["links_in_main"]``,
``crawler.teasers``).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

from bs4 import Tag

from crawler.directives import refresh_target
from crawler.main_region import dialog_lines, main_blocks, main_headings, pruned_main
from crawler.maintext import engine_text, main_text
from crawler.markup import clean_text, encodable, first_named, parse_html, tags_below, tags_named
from crawler.metadata import case_fields
from crawler.teasers import link_profile
from crawler.urls import BadUrl, printable_url, readable_link, resolve_link

EXTRACTOR_VERSION = "casebook-extract/4"  # 2: meta["headings"]; 3: div-built boxes, robots meta, meta refresh;
# 4: main text read by trafilatura, Casebook's rules as the second opinion (crawler.maintext)
JSON_LD_TYPE = re.compile(r"ld\+json", re.I)


@dataclass
class Page:
    """What extraction found in one HTML or PDF document."""

    title: str = ""
    text: str = ""
    description: str | None = None
    declared_lang: str | None = None
    canonical: str | None = None
    links: list[str] = field(default_factory=list)
    alternates: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    refresh: str | None = None  # where <meta http-equiv="refresh"> sends the reader (followed as a link)
    bad_links: list[tuple[str, str]] = field(default_factory=list)  # (link as written, why it cannot be read)


def _json_ld(tags: list[Tag]) -> list[dict]:
    items: list[dict] = []
    for script in tags_named(tags, "script"):
        if not JSON_LD_TYPE.search(script.get("type") or ""):
            continue
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                items.extend(x for x in item.get("@graph", [item]) if isinstance(x, dict))
    return items


def _meta_tags(tags: list[Tag]) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in tags_named(tags, "meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("http-equiv") or tag.get("itemprop")
               or "").strip().lower()
        value = tag.get("content")
        if key and isinstance(value, str) and key not in found:
            found[key] = clean_text(value)[:2000]
    for tag in tags_named(tags, "time"):  # <time itemprop=datePublished> or the HTML5 draft's <time pubdate>
        if tag.get("datetime") and (tag.has_attr("pubdate") or tag.get("itemprop") == "datePublished"):
            found.setdefault("time:published", clean_text(tag["datetime"]))
            break
    return found


def _links(tags: list[Tag], base: str, bad: list) -> tuple[list[str], dict[str, str], str | None]:
    """Links to follow, hreflang alternates and rel=canonical; a link that cannot be read goes to ``bad``, alone."""
    links, alternates, canonical = [], {}, None
    for tag in tags_named(tags, "a", "area", "link"):
        if tag.get("href") is None:
            continue
        href = tag["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        rel = [r.lower() for r in (tag.get("rel") or [])]
        try:  # links are read strictly when the scope sorts them; the others here
            absolute = resolve_link(base, href) if tag.name != "link" else readable_link(base, href)
        except BadUrl as exc:
            bad.append((printable_url(href), str(exc)))
            continue
        if tag.name == "link":
            if "canonical" in rel:
                canonical = absolute
            elif "alternate" in rel and tag.get("hreflang"):
                alternates[tag["hreflang"].strip().lower()] = absolute
            continue
        if "nofollow" not in rel:
            links.append(absolute)
    return list(dict.fromkeys(links)), alternates, canonical


def _title(tags: list[Tag], meta: dict) -> str:
    if meta.get("og:title"):
        return meta["og:title"]
    title = first_named(tags, "title")
    if title and title.string:
        return clean_text(title.string)
    heading = first_named(tags, "h1")
    return clean_text(heading.get_text(" ")) if heading else ""


def extract_html(html: str, url: str) -> Page:
    """Extract a page's text, links and metadata; never raises on malformed markup."""
    html = encodable(html)
    soup = parse_html(html)
    tags = tags_below(soup)
    bad: list[tuple[str, str]] = []
    base_tag = next((tag for tag in tags_named(tags, "base") if tag.get("href") is not None), None)
    base = url
    if base_tag:
        try:
            base = readable_link(url, base_tag["href"])
        except BadUrl as exc:
            bad.append((printable_url(base_tag["href"]), f"<base href>: {exc}"))
    meta = _meta_tags(tags)
    json_ld = _json_ld(tags)
    links, alternates, canonical = _links(tags, base, bad)
    html_tag = first_named(tags, "html")
    declared = (html_tag.get("lang") or html_tag.get("xml:lang")) if html_tag else None
    page = Page(title=_title(tags, meta), description=meta.get("description") or meta.get("og:description"),
                declared_lang=(declared or meta.get("content-language") or "").strip().lower() or None,
                canonical=canonical, links=links, alternates=alternates)
    try:
        page.refresh = refresh_target(meta.get("refresh"), base) if "refresh" in meta else None
    except BadUrl as exc:
        bad.append((printable_url(meta.get("refresh") or ""), f"meta refresh: {exc}"))
    page.bad_links = bad
    if page.refresh and page.refresh not in links:
        page.links.insert(0, page.refresh)
    page.meta = {"meta": meta, "json_ld": json_ld} if (meta or json_ld) else {}
    page.fields = case_fields(json_ld, meta)
    dialogs = dialog_lines(tags)
    main, kept = pruned_main(soup, tags)
    headings = main_headings(kept)
    if headings:
        page.meta["headings"] = headings
    blocks = "\n".join(main_blocks(main))
    page.text = main_text(engine_text(html, url), blocks, dialogs)
    links_in_main = link_profile(main, kept, blocks)
    if links_in_main:
        page.meta["links_in_main"] = links_in_main
    return page


def extract_pdf(body: bytes, url: str) -> Page:
    """Text and title of a PDF, with pypdf; a broken PDF raises ValueError."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(body))
            pages = [(p.extract_text() or "") for p in reader.pages[:200]]
            info = reader.metadata or {}
    except (PyPdfError, ValueError, TypeError, KeyError, OSError, RecursionError) as exc:
        raise ValueError(f"unreadable PDF: {exc}") from None
    text = "\n".join(clean_text(line) for page in pages for line in page.splitlines() if line.strip())
    title = clean_text(str(info.get("/Title") or "")) or (text.split("\n", 1)[0][:200] if text else url)
    return Page(title=title, text=text, fields={"doc_type": "document"})
