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

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, UnicodeDammit, XMLParsedAsHTMLWarning

from crawler.maintext import engine_text, main_text
from crawler.metadata import case_fields
from crawler.urls import BadUrl, printable_url, readable_link, resolve_link

EXTRACTOR_VERSION = "casebook-extract/4"  # 2: meta["headings"]; 3: div-built boxes, robots meta, meta refresh;
# 4: main text read by trafilatura, Casebook's rules as the second opinion (crawler.maintext)
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
             "iframe", "button", "select", "dialog")
# Words of a class, id or role that name a box around the content, matched as whole words of the
# mark ("site-header", "region-sidebar-second", "mainNavigation" split at its capital).
BOILERPLATE = re.compile(
    r"(^|[-_ ])(cookie|consent|banner|gdpr|nav|navbar|navigation|mainnav|menu|menubar|breadcrumbs?|header|"
    r"masthead|topbar|footer|colophon|site-info|copyright|sidebar|widget-area|related|share|sharing|social|skip|"
    r"pagination|pager|toolbar|newsletter|advert|ads|popup|modal|dialog|sr-only|screen-reader|visually-hidden|"
    r"contentinfo|complementary|search)($|[-_ ])", re.I)  # not "widget": page builders put all content in some
# Consent managers name their boxes with the word inside longer names (CybotCookiebotDialog,
# onetrust-banner-sdk, tarteaucitronRoot): matched anywhere in the mark.
CONSENT = re.compile(r"cookie|consent|gdpr|onetrust|tarteaucitron|didomi|klaro|iubenda|axeptio|borlabs", re.I)
CAPITAL = re.compile(r"(?<=[a-z])(?=[A-Z])")
HEADING_TAGS = ("h1", "h2", "h3")
# Content-area names of common themes (WordPress, Drupal, Joomla, TYPO3, Bootstrap templates).
CONTENT_AREAS = frozenset({"content", "main-content", "maincontent", "main_content", "page-content", "entry-content",
                           "post-content", "article-content", "article-body", "node__content", "field--name-body",
                           "region-content", "item-page", "td-post-content", "content-main"})
CONTENT_SHARE = 0.4  # of the body's text once the recognised boxes are left out
JSON_LD_TYPE = re.compile(r"ld\+json", re.I)
MAX_HEADINGS = 30  # a long FAQ page must not turn its whole text into headings
MAX_HEADING_CHARS = 200
BLOCK_TAGS = ("p", "div", "section", "article", "main", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
              "br", "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "figcaption", "address")


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


REFRESH_URL = re.compile(r"""^\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(?P<url>[^'"]+)\1""", re.I)


def refresh_target(content: str | None, base: str) -> str | None:
    """The address of a meta refresh ("5; url=/nl/"), absolute; None for a plain reload; BadUrl if unreadable."""
    found = REFRESH_URL.match(content or "")
    target = found.group("url").strip() if found else ""
    if not target or target[0].isdigit() and ";" not in (content or "") and "=" not in (content or ""):
        return None  # "30": reload after 30 s, no address
    return readable_link(base, target)


VALUED_DIRECTIVES = ("unavailable_after", "max-snippet", "max-image-preview", "max-video-preview")


def robots_directives(values, agent: str) -> frozenset[str]:
    """noindex / nofollow from robots meta contents or X-Robots-Tag values ("none" is both).

    A value may name a crawler ("googlebot: noindex, nofollow"): its directives, up to the next
    name, are that crawler's only; those with no name, or naming ``agent`` (lower case), are ours.
    """
    found: set[str] = set()
    for value in values:
        current = None
        for part in (value or "").lower().split(","):
            name, colon, rule = part.partition(":")
            if colon and name.strip() not in VALUED_DIRECTIVES:
                current, part = name.strip(), rule
            part = part.strip()
            if current not in (None, agent):
                continue
            if part == "none":
                found |= {"noindex", "nofollow"}
            elif part in ("noindex", "nofollow"):
                found.add(part)
    return frozenset(found)


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Decode with the header's charset, then <meta charset>, then detection."""
    known = [header_charset] if header_charset else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def _clean(text: str) -> str:
    """Whitespace runs as one space, none at the ends. str.split's whitespace is re's ``\\s``, the same
    29 characters (tested over every code point), at a third of the regular expression's cost."""
    return " ".join((text or "").split())


def _is_boilerplate(tag) -> bool:
    """A box around the content: navigation, header, footer, sidebar, cookie banner, dialog, hidden."""
    if not tag.attrs:
        return False
    marks = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "") + " " + (tag.get("role") or "")
    return (bool(BOILERPLATE.search(CAPITAL.sub(" ", marks)) or CONSENT.search(marks))
            or tag.get("aria-hidden") == "true" or tag.get("aria-modal") == "true" or tag.has_attr("hidden"))


def _is_dialog(tag) -> bool:
    """A consent banner or a dialog a reader dismisses: never main text, whatever the text engine says.
    Not <body>, <main> or <article>, which some consent managers mark (``class="cookies-not-set"``)."""
    if not tag.attrs or tag.name in ("html", "body", "main", "article"):
        return False
    marks = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return (bool(CONSENT.search(marks)) or tag.name == "dialog" or tag.get("aria-modal") == "true"
            or tag.get("role") in ("dialog", "alertdialog"))


def _is_table_of_contents(tag) -> bool:
    """A list of three or more items that are nothing but links within the page (``#art1``...)."""
    items = tag.find_all("li", recursive=False)
    if len(items) < 3:
        return False
    for item in items:
        link = item.find("a", href=True)
        if link is None or not link["href"].startswith("#") or _clean(item.get_text()) != _clean(link.get_text()):
            return False
    return True


def _tags(root) -> list[Tag]:
    """Every tag below ``root``, in document order, as ``root.find_all(True)`` gives them.

    Read once and filtered by name in Python: each bs4 find_all walks the tree again and builds
    its filters anew, and a page asked a dozen of them.
    """
    return [element for element in root.descendants if isinstance(element, Tag)]


def _named(tags: list[Tag], *names: str) -> list[Tag]:
    return [tag for tag in tags if tag.name in names]


def _first(tags: list[Tag], name: str) -> Tag | None:
    return next((tag for tag in tags if tag.name == name), None)


def _main_node(soup, tags: list[Tag]):
    """<main>, role=main or <article> when the page marks its content; else the box its theme names
    as the content area (``_content_area``); else <body>."""
    for name in ("main", "[role=main]", "article"):
        node = soup.select_one(name) if name.startswith("[") else _first(tags, name)
        if node is not None and len(node.get_text(" ", strip=True)) > 50:
            return node
    body = _first(tags, "body") or soup
    return _content_area(body, tags) or body


def _content_area(body, tags: list[Tag]):
    """The innermost box whose class or id is a content-area name of common themes (entry-content,
    node__content, #content...) that still holds a good share of the page's text: boxes it leaves
    out that no mark names (a news block, share buttons, a related-pages list) stay out of the main
    text. A box of that name holding little (a card's or a tab's "content") is no main node."""
    named = [tag for tag in tags if tag.name in ("div", "section") and tag.attrs and (
        CONTENT_AREAS.intersection(tag.get("class") or ()) or (tag.get("id") or "").lower() in CONTENT_AREAS)]
    if not named:
        return None
    whole = len(body.get_text(" ", strip=True)) - sum(len(box.get_text(" ", strip=True)) for box in _outer_boxes(tags))
    sizes = [(len(tag.get_text(" ", strip=True)), n, tag) for n, tag in enumerate(named)]
    enough = [item for item in sizes if item[0] > 50 and item[0] >= CONTENT_SHARE * whole]
    return min(enough, key=lambda item: (item[0], item[1]))[2] if enough else None  # the innermost


def _droppable(tag) -> bool:
    return tag.name in DROP_TAGS or (_is_boilerplate(tag) and tag.name not in ("main", "article", "body"))


def _outer_boxes(tags: list[Tag]) -> list[Tag]:
    """The boxes pruning would take out, those inside another left out (their text counts once)."""
    boxes = [tag for tag in tags if _droppable(tag)]
    marked = set(map(id, boxes))
    return [box for box in boxes if not any(id(parent) in marked for parent in box.parents)]


def _pruned_main(soup, tags: list[Tag]) -> tuple[Tag, list[Tag]]:
    """The main content node, without navigation, boilerplate boxes and tables of contents,
    and the tags left in it."""
    node = _main_node(soup, tags)
    tags = tags if node is soup else _tags(node)
    for tag in tags:  # a tag removed with its parent is skipped: what it holds is gone already
        if not _removed(tag) and _droppable(tag):
            tag.decompose()
    for tag in tags:
        if not _removed(tag) and tag.name in ("ul", "ol") and _is_table_of_contents(tag):
            tag.decompose()
    return node, [tag for tag in tags if not _removed(tag)]


def _removed(tag) -> bool:
    """True once ``tag`` (a tag below the main node) was decomposed, itself or with an ancestor.

    Not bs4's ``Tag.decomposed``: on a live tag that reads ``tag._decomposed``, which Tag.__getattr__
    turns into ``tag.find("_decomposed")``, a search of the whole subtree. A decomposed tag has lost
    its parent; a live one below the main node always has one.
    """
    return tag.parent is None


_BREAK = object()  # marks the end of a block tag in _main_blocks' walk


def _main_blocks(node) -> list[str]:
    """The lines of ``node``'s text, each block tag (paragraph, item, heading...) on lines of its own.

    What ``get_text`` gives once a newline is put before and after every block tag, read in one
    walk instead of inserting the newlines into the tree (a sixth of a 12 kB page's extraction).
    Iterative, so a hostile page nested ten thousand deep is no recursion.
    """
    kinds = node.interesting_string_types  # the strings get_text reads (not comments, scripts...)
    kinds = kinds if isinstance(kinds, set | frozenset | tuple) else {kinds}
    parts: list[str] = []
    pending = list(reversed(node.contents))
    while pending:
        item = pending.pop()
        if item is _BREAK:
            parts.append("\n")
        elif isinstance(item, Tag):
            if item.name in BLOCK_TAGS:
                parts.append("\n")
                pending.append(_BREAK)
            pending.extend(reversed(item.contents))
        elif type(item) in kinds:
            parts.append(item)
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def main_headings(tags: list[Tag]) -> list[str]:
    """The h1-h3 headings of the main content, in order: the index weighs them between title and body.

    A heading that is all link (an item of a listing) names the page it links to,
    not this one: kept, it ranked listing pages above the cases they list."""
    found: list[str] = []
    for tag in _named(tags, *HEADING_TAGS):
        full = _clean(tag.get_text(" "))
        linked = _clean(" ".join(link.get_text(" ") for link in tag.find_all("a")))
        text = full[:MAX_HEADING_CHARS]
        if text and linked != full:
            found.append(text)
            if len(found) == MAX_HEADINGS:
                break
    return found


def _json_ld(tags: list[Tag]) -> list[dict]:
    items: list[dict] = []
    for script in _named(tags, "script"):
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
    for tag in _named(tags, "meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("http-equiv") or tag.get("itemprop")
               or "").strip().lower()
        value = tag.get("content")
        if key and isinstance(value, str) and key not in found:
            found[key] = _clean(value)[:2000]
    for tag in _named(tags, "time"):  # <time itemprop=datePublished> or the HTML5 draft's <time pubdate>
        if tag.get("datetime") and (tag.has_attr("pubdate") or tag.get("itemprop") == "datePublished"):
            found.setdefault("time:published", _clean(tag["datetime"]))
            break
    return found


def _links(tags: list[Tag], base: str, bad: list) -> tuple[list[str], dict[str, str], str | None]:
    """Links to follow, hreflang alternates and rel=canonical; a link that cannot be read goes to ``bad``, alone."""
    links, alternates, canonical = [], {}, None
    for tag in _named(tags, "a", "area", "link"):
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
    title = _first(tags, "title")
    if title and title.string:
        return _clean(title.string)
    heading = _first(tags, "h1")
    return _clean(heading.get_text(" ")) if heading else ""


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (which no parser or database can encode) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", text)


def extract_html(html: str, url: str) -> Page:
    """Extract a page's text, links and metadata; never raises on malformed markup."""
    html = _encodable(html)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    tags = _tags(soup)
    bad: list[tuple[str, str]] = []
    base_tag = next((tag for tag in _named(tags, "base") if tag.get("href") is not None), None)
    base = url
    if base_tag:
        try:
            base = readable_link(url, base_tag["href"])
        except BadUrl as exc:
            bad.append((printable_url(base_tag["href"]), f"<base href>: {exc}"))
    meta = _meta_tags(tags)
    json_ld = _json_ld(tags)
    links, alternates, canonical = _links(tags, base, bad)
    html_tag = _first(tags, "html")
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
    dialogs = {line for tag in tags if _is_dialog(tag) for line in _main_blocks(tag)}
    main, kept = _pruned_main(soup, tags)
    headings = main_headings(kept)
    if headings:
        page.meta["headings"] = headings
    blocks = "\n".join(_main_blocks(main))
    page.text = main_text(engine_text(html, url), blocks, dialogs)
    links_in_main = link_profile(main, kept, blocks)
    if links_in_main:
        page.meta["links_in_main"] = links_in_main
    return page


TEASER_ITEMS = ("li", "article", "div", "section")
TEASER_MOST = 0.8  # of the main text: an item holding more is the page itself, not a teaser
MIN_TEASERS = 2  # items: one alone is a link box, not a listing
TEASER_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def link_profile(main, kept: list[Tag], blocks: str) -> dict | None:
    """How much of the main region is made of teasers of other pages: items (a list item, an
    article, a card) led by a link, as a heading that is a link or a link opening the item. A
    listing, theme or tag page is mostly teasers (0.9 and more on the demo site), repeating the
    titles and leads of the pages it links to; an article is not, however many links its sentences
    hold. Also the share of link text and the number of links. The index weighs hub pages down
    (index.records), as they are close to every query about any of their items."""
    total = len(" ".join(blocks.split()))
    if not total:
        return None
    anchors = [tag for tag in kept if tag.name == "a" and tag.get("href")]
    linked = sum(len(" ".join(tag.get_text(" ").split())) for tag in anchors)
    items: dict[int, Tag] = {}
    for anchor in anchors:
        item = _teaser_of(anchor, main)
        if item is not None:
            items[id(item)] = item
    outermost = [item for item in items.values()
                 if not any(id(parent) in items for parent in item.parents)]
    # a teaser is a part of the page: an article under its own heading, a link to itself, is not one
    title = next((tag for tag in kept if tag.name == "h1"), None)
    sizes = [len(" ".join(item.get_text(" ").split())) for item in outermost
             if title is None or (item is not title and not any(p is item for p in title.parents))]
    sizes = [size for size in sizes if size <= total * TEASER_MOST]
    teasers = sum(sizes) if len(sizes) >= MIN_TEASERS else 0
    return {"teasers": round(min(1.0, teasers / total), 3), "share": round(min(1.0, linked / total), 3),
            "count": len(anchors)}


def _teaser_of(anchor: Tag, main) -> Tag | None:
    """The item that ``anchor`` leads (see link_profile), or None."""
    parent = anchor.parent
    if parent is not None and parent.name in TEASER_HEADINGS:
        item = parent.find_parent(TEASER_ITEMS)
        inside = item is not None and item is not main and any(p is main for p in item.parents)
        return item if inside else parent
    if parent is not None and parent.name in TEASER_ITEMS and parent is not main:
        before = []
        for node in parent.children:
            if node is anchor:
                break
            before.append(node.get_text(" ") if isinstance(node, Tag) else str(node))
        return parent if not "".join(before).strip() else None
    return None


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
