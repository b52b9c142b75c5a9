"""Casebook's own public pages for crawlers: robots.txt and sitemap.xml.

Search result pages, exports and the API are kept out of crawlers' way (they
are endless combinations of parameters); the home page, the API description
and every document page are listed in the sitemap.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Blueprint, Response
from sqlalchemy import select

from kb.models import Document
from webui.context import kb
from webui.links import absolute_url

bp = Blueprint("site", __name__)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # the sitemap protocol's limit for one file


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", "Allow: /$", "Allow: /documents/", "Allow: /api/$", "Disallow: /?",
             "Disallow: /export.", "Disallow: /feed.atom", "Disallow: /api/search", "Disallow: /api/facets",
             f"Sitemap: {absolute_url('site.sitemap')}", ""]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")


@bp.route("/sitemap.xml")
def sitemap():
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")

    def add(location: str, modified=None) -> None:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = location
        if modified:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = modified.date().isoformat()

    add(absolute_url("search.index"))
    add(absolute_url("api.api_home"))
    add(absolute_url("networks.index"))
    add(absolute_url("calls.index"))
    with kb().session() as session:
        rows = session.execute(select(Document.id, Document.updated_at).where(Document.gone.is_(False))
                               .order_by(Document.id).limit(MAX_URLS - 2)).all()
    for doc_id, updated in rows:
        add(absolute_url("documents.show", doc_id=doc_id), updated)
    return Response(ET.tostring(urlset, encoding="utf-8", xml_declaration=True),
                    content_type="application/xml; charset=utf-8")
