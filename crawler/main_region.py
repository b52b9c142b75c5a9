"""The main region of an HTML page as its markup tells it: the content node, the boxes pruned
from it, its lines of text and its headings, and the dialogs that are never main text.

Casebook's structural reading trusts what markup says: <main>, <article>, a theme's content
area, minus the boxes whose tag, class, id or role names navigation, a header, a footer, a
sidebar or a cookie banner, and in-page tables of contents. ``crawler.maintext`` weighs its
lines against trafilatura's reading; ``crawler.teasers`` measures the region's listings.
"""

from __future__ import annotations

import re

from bs4 import Tag

from crawler.markup import clean_text, first_named, tags_below, tags_named

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
MAX_HEADINGS = 30  # a long FAQ page must not turn its whole text into headings
MAX_HEADING_CHARS = 200
BLOCK_TAGS = ("p", "div", "section", "article", "main", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
              "br", "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "figcaption", "address")


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


def dialog_lines(tags: list[Tag]) -> set[str]:
    """The lines of every consent banner and dialog among ``tags`` (``crawler.maintext`` leaves them out)."""
    return {line for tag in tags if _is_dialog(tag) for line in main_blocks(tag)}


def _is_table_of_contents(tag) -> bool:
    """A list of three or more items that are nothing but links within the page (``#art1``...)."""
    items = tag.find_all("li", recursive=False)
    if len(items) < 3:
        return False
    for item in items:
        link = item.find("a", href=True)
        if link is None or not link["href"].startswith("#"):
            return False
        if clean_text(item.get_text()) != clean_text(link.get_text()):
            return False
    return True


def _main_node(soup, tags: list[Tag]):
    """<main>, role=main or <article> when the page marks its content; else the box its theme names
    as the content area (``_content_area``); else <body>."""
    for name in ("main", "[role=main]", "article"):
        node = soup.select_one(name) if name.startswith("[") else first_named(tags, name)
        if node is not None and len(node.get_text(" ", strip=True)) > 50:
            return node
    body = first_named(tags, "body") or soup
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


def pruned_main(soup, tags: list[Tag]) -> tuple[Tag, list[Tag]]:
    """The main content node, without navigation, boilerplate boxes and tables of contents,
    and the tags left in it. Prunes the tree: read what else you need from it first."""
    node = _main_node(soup, tags)
    tags = tags if node is soup else tags_below(node)
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


_BREAK = object()  # marks the end of a block tag in main_blocks' walk


def main_blocks(node) -> list[str]:
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
    lines = (clean_text(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def main_headings(tags: list[Tag]) -> list[str]:
    """The h1-h3 headings of the main content, in order: the index weighs them between title and body.

    A heading that is all link (an item of a listing) names the page it links to,
    not this one: kept, it ranked listing pages above the cases they list."""
    found: list[str] = []
    for tag in tags_named(tags, *HEADING_TAGS):
        full = clean_text(tag.get_text(" "))
        linked = clean_text(" ".join(link.get_text(" ") for link in tag.find_all("a")))
        text = full[:MAX_HEADING_CHARS]
        if text and linked != full:
            found.append(text)
            if len(found) == MAX_HEADINGS:
                break
    return found
