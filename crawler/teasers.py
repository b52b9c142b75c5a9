"""How much of a page's main region is teasers of other pages: the mark of a listing, theme or
tag page (a hub), which the index weighs down (index.records)."""

from __future__ import annotations

from bs4 import Tag

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
