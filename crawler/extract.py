"""Extracting a page: decoded text, title, main content, links and metadata.

The main text leaves out navigation, headers, footers, cookie banners and
related-links boxes. Metadata comes from what the page declares: ``<html
lang>``, ``hreflang`` alternates, ``rel=canonical``, meta description, Open
Graph and JSON-LD (schema.org), mapped to the knowledge base's fields. The
main content's h1-h3 headings are kept apart too (``meta["headings"]``).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html
from bs4 import UnicodeDammit
from lxml import etree

from crawler.metadata import case_fields

EXTRACTOR_VERSION = "casebook-extract/2"  # 2: meta["headings"]
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
             "iframe", "button", "select", "dialog")
BOILERPLATE = re.compile(
    r"(^|[-_ ])(cookie|consent|banner|gdpr|nav|navbar|menu|breadcrumbs?|footer|sidebar|related|share|social|"
    r"skip|pagination|pager|toolbar|newsletter|advert|ads|popup|modal)($|[-_ ])", re.I)
HEADING_TAGS = ("h1", "h2", "h3")
MAX_HEADINGS = 30  # a long FAQ page must not turn its whole text into headings
MAX_HEADING_CHARS = 200
UNSEEN_TAGS = frozenset({"script", "style", "template"})  # their content is code, not text
JSON_LD = re.compile(r"ld\+json", re.I)
BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
                        "br", "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "figcaption", "address"})


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


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Decode with the header's charset, then <meta charset>, then detection."""
    known = [header_charset] if header_charset else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _text(node, separator: str = "") -> str:
    """The text of ``node`` as a reader sees it: without scripts, styles and templates."""
    parts = [node.text or ""] if node.tag not in UNSEEN_TAGS else []
    for child in node:
        parts.append(_text(child, separator))
        parts.append(child.tail or "")
    return separator.join(part for part in parts if part) if separator else "".join(parts)


def _parse(html: str):
    """The document's root element; lxml repairs malformed markup, and an empty page is an empty body."""
    # Given as UTF-8 bytes, so an XML declaration or a stray <meta charset> cannot mislead it; a parser
    # per page, as lxml's parsers must not be shared between threads (crawls of several sources).
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring(b"<html><body></body></html>", parser=parser)


def _is_boilerplate(tag) -> bool:
    marks = f"{tag.get('class') or ''} {tag.get('id') or ''} {tag.get('role') or ''}"
    return bool(BOILERPLATE.search(marks)) or tag.get("aria-hidden") == "true" or "hidden" in tag.attrib


def _is_table_of_contents(tag) -> bool:
    """A list of three or more items that are nothing but links within the page (``#art1``...)."""
    items = tag.findall("li")
    if len(items) < 3:
        return False
    for item in items:
        link = item.find(".//a[@href]")
        if link is None or not link.get("href").startswith("#") or _clean(_text(item)) != _clean(_text(link)):
            return False
    return True


def _main_node(root):
    for found in (root.find(".//main"), next(iter(root.xpath(".//*[@role='main']")), None), root.find(".//article")):
        if found is not None and len(_clean(_text(found, " "))) > 50:
            return found
    body = root.find("body")
    return body if body is not None else root


def _pruned_main(root):
    """The main content node, without navigation, boilerplate boxes and tables of contents."""
    node = _main_node(root)
    for tag in list(node.iterdescendants(*DROP_TAGS)):
        tag.drop_tree()  # its tail, the text after it, stays
    for tag in list(node.iterdescendants()):
        if tag.tag not in ("main", "article", "body") and _is_boilerplate(tag):
            tag.drop_tree()
    for tag in list(node.iterdescendants("ul", "ol")):
        if _is_table_of_contents(tag):
            tag.drop_tree()
    return node


def _main_blocks(node) -> list[str]:
    """The lines of text of ``node``: each block element starts and ends one."""
    parts: list[str] = []
    _append_text(node, parts)
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _append_text(node, parts: list[str]) -> None:
    if node.tag not in UNSEEN_TAGS and node.text:
        parts.append(node.text)
    for child in node:
        block = child.tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        _append_text(child, parts)
        if block:
            parts.append("\n")
        if child.tail:
            parts.append(child.tail)


def main_headings(node) -> list[str]:
    """The h1-h3 headings of the main content, in order: the index weighs them between title and body.

    A heading that is all link (an item of a listing) names the page it links to,
    not this one: kept, it ranked listing pages above the cases they list."""
    found: list[str] = []
    for tag in node.iterdescendants(*HEADING_TAGS):
        full = _clean(_text(tag, " "))
        linked = _clean(" ".join(_text(link, " ") for link in tag.iterdescendants("a")))
        text = full[:MAX_HEADING_CHARS]
        if text and linked != full:
            found.append(text)
            if len(found) == MAX_HEADINGS:
                break
    return found


def _json_ld(root) -> list[dict]:
    items: list[dict] = []
    for script in root.iter("script"):
        if not JSON_LD.search(script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                items.extend(x for x in item.get("@graph", [item]) if isinstance(x, dict))
    return items


def _meta_tags(root) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").strip().lower()
        value = tag.get("content")
        if key and value is not None and key not in found:
            found[key] = _clean(value)[:2000]
    return found


def _links(root, base: str) -> tuple[list[str], dict[str, str], str | None]:
    links, alternates, canonical = [], {}, None
    for tag in root.iter("a", "area", "link"):
        href = (tag.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        absolute = urljoin(base, href)
        rel = (tag.get("rel") or "").lower().split()
        if tag.tag == "link":
            if "canonical" in rel:
                canonical = absolute
            elif "alternate" in rel and (tag.get("hreflang") or "").strip():
                alternates[tag.get("hreflang").strip().lower()] = absolute
            continue
        if "nofollow" not in rel:
            links.append(absolute)
    return list(dict.fromkeys(links)), alternates, canonical


def _title(root, meta: dict) -> str:
    if meta.get("og:title"):
        return meta["og:title"]
    title = root.find(".//title")
    if title is not None and title.text:
        return _clean(title.text)
    heading = root.find(".//h1")
    return _clean(_text(heading, " ")) if heading is not None else ""


def extract_html(html: str, url: str) -> Page:
    """Extract a page's text, links and metadata; never raises on malformed markup.

    The page is parsed once (lxml) and every part is read from that tree; the main
    content is pruned last, after the metadata and links were taken.
    """
    root = _parse(html)
    base_tag = root.find(".//base[@href]")
    base = urljoin(url, base_tag.get("href")) if base_tag is not None else url
    meta = _meta_tags(root)
    json_ld = _json_ld(root)
    links, alternates, canonical = _links(root, base)
    declared = root.get("lang") or root.get("xml:lang")
    page = Page(title=_title(root, meta), description=meta.get("description") or meta.get("og:description"),
                declared_lang=(declared or meta.get("content-language") or "").strip().lower() or None,
                canonical=canonical, links=links, alternates=alternates)
    page.meta = {"meta": meta, "json_ld": json_ld} if (meta or json_ld) else {}
    page.fields = case_fields(json_ld, meta)
    main = _pruned_main(root)
    headings = main_headings(main)
    if headings:
        page.meta["headings"] = headings
    page.text = "\n".join(_main_blocks(main))
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
    text = "\n".join(_clean(line) for page in pages for line in page.splitlines() if line.strip())
    title = _clean(str(info.get("/Title") or "")) or (text.split("\n", 1)[0][:200] if text else url)
    return Page(title=title, text=text, fields={"doc_type": "document"})
