"""What a page tells a crawler to do: the noindex and nofollow of robots meta tags and
X-Robots-Tag headers, and where a meta refresh sends the reader."""

from __future__ import annotations

import re

from crawler.urls import readable_link

REFRESH_URL = re.compile(r"""^\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(?P<url>[^'"]+)\1""", re.I)
VALUED_DIRECTIVES = ("unavailable_after", "max-snippet", "max-image-preview", "max-video-preview")


def refresh_target(content: str | None, base: str) -> str | None:
    """The address of a meta refresh ("5; url=/nl/"), absolute; None for a plain reload; BadUrl if unreadable."""
    found = REFRESH_URL.match(content or "")
    target = found.group("url").strip() if found else ""
    if not target or target[0].isdigit() and ";" not in (content or "") and "=" not in (content or ""):
        return None  # "30": reload after 30 s, no address
    return readable_link(base, target)


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
