"""Build the static multilingual demo site that `make demo` crawls.

Reads the YAML files under kb/demo/content/ (cases, interface strings, vocabularies,
the workshop event, report pages, site settings) and writes a plain static site to
kb/demo/site/, wiping it first. The site looks like a real one on purpose, so that the
crawler's extraction is tested: header navigation, cookie banner, footer boilerplate,
"related cases" boxes, hreflang/canonical links, Open Graph tags, JSON-LD, paginated
listings, tag pages, a sitemap, robots.txt with a disallowed /admin/, a redirect, a
near-duplicate print page, a broken link and two small PDFs. The output is
deterministic: every date comes from the content, never from the clock.

A build-time tool, not part of the runtime package: `kb demo` only serves kb/demo/site/ as
committed. It lives with the tests because the site is first of all their fixture (the crawler's
extraction, near-duplicates, crawled cases, the journeys), and tests/kb/test_demo_site.py checks
that the committed site is what it builds. Rebuild with `make demo-site`
(`python -m tests.demo_site_builder` from the repository's root), then commit kb/demo/site/.
"""
from __future__ import annotations

import html
import json
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEMO = Path(__file__).resolve().parent.parent / "kb" / "demo"  # the data folder `kb demo` serves from
CONTENT = DEMO / "content"
SITE = DEMO / "site"
LANGS = ("nl", "en", "fr", "de", "es", "it", "pt")
LEVELS = ("municipality", "region", "national", "network")
STATUSES = ("ongoing", "completed", "pilot", "unknown")
# Inhabitants of the place a case names (optional: a national or European case has none).
POPULATION_BANDS = ("<10k", "10k-50k", "50k-100k", "100k-500k", "500k-1M", "1M+")
REQUIRED = ("slug", "lang", "title", "place", "country", "level", "status",
            "themes", "keywords", "source_url", "summary", "body")
PAGE_SIZE = 10
RELATED_COUNT = 3
COPYRIGHT = "© 2024 Casebook demo"
CSS = """body{font-family:sans-serif;max-width:60rem;margin:0 auto;padding:0 1rem;line-height:1.5;color:#222}
.cookie-banner{background:#333;color:#fff;padding:.5rem 1rem;margin:0 -1rem}
.site-header nav ul,.site-footer ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
.demo-note{background:#fff6d5;border:1px solid #e6d48a;padding:.4rem .8rem;font-size:.9rem}
.facts dt{font-weight:bold}.facts dd{margin:0 0 .4rem 0}
.related{border-top:2px solid #ccc;margin-top:2rem}.site-footer{border-top:1px solid #ccc;margin-top:2rem;font-size:.85rem;color:#555}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
"""  # noqa: E501 (the stylesheet as the committed demo site holds it)


class ContentError(Exception):
    """A content file is missing a field or uses a value outside the fixed lists."""


@dataclass(frozen=True)
class Content:
    """Everything read from kb/demo/content/."""

    cases: list
    ui: dict
    vocab: dict
    site: dict
    event: dict
    reports: list


@dataclass
class Output:
    """The files of the site being built: path -> bytes, plus sitemap dates."""

    files: dict = field(default_factory=dict)
    lastmod: dict = field(default_factory=dict)

    def add(self, path: str, data, lastmod: str | None = None) -> None:
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data
        if lastmod:
            self.lastmod[path] = lastmod


@dataclass
class Meta:
    """What the <head> of one page says about it."""

    path: str
    lang: str
    title: str
    description: str = ""
    alternates: dict = field(default_factory=dict)
    jsonld: dict | None = None
    canonical: bool = True
    og_type: str = "website"
    head_extra: str = ""


# --- loading -----------------------------------------------------------------

def load_yaml(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def normalise_case(raw: dict, path: Path, vocab: dict) -> dict:
    missing = [key for key in REQUIRED if raw.get(key) in (None, "", [])]
    if missing:
        raise ContentError(f"{path.name}: missing {', '.join(missing)}")
    case = dict(raw)
    # YAML 1.1 reads the bare country code NO (Norway) as false.
    case["country"] = "NO" if raw["country"] is False else str(raw["country"]).upper()
    if path.name != f"{case['slug']}.{case['lang']}.yaml":
        raise ContentError(f"{path.name}: file name must be <slug>.<lang>.yaml")
    checks = (("lang", [case["lang"]], LANGS), ("level", [case["level"]], LEVELS),
              ("status", [case["status"]], STATUSES), ("themes", case["themes"], vocab["themes"]),
              ("population_band", [case["population_band"]] if case.get("population_band") else [], POPULATION_BANDS))
    for name, values, allowed in checks:
        unknown = [value for value in values if value not in allowed]
        if unknown:
            raise ContentError(f"{path.name}: unknown {name} {unknown}")
    if "updated" in case:
        case["updated"] = str(case["updated"])
    return case


def load_content(root: Path = CONTENT) -> Content:
    vocab = load_yaml(root / "vocab.yaml")
    ui = load_yaml(root / "ui.yaml")
    keys = set(ui["en"])
    for lang in LANGS:
        if set(ui.get(lang, {})) != keys:
            raise ContentError(f"ui.yaml: block {lang} lacks {sorted(keys - set(ui.get(lang, {})))}")
    cases = [normalise_case(load_yaml(path), path, vocab)
             for path in sorted((root / "cases").glob("*.yaml"))]
    reports = [load_yaml(path) for path in sorted((root / "reports").glob("*.yaml"))]
    return Content(cases=cases, ui=ui, vocab=vocab, site=load_yaml(root / "site.yaml"),
                   event=load_yaml(root / "events" / "workshops.yaml"), reports=reports)


# --- URLs and small helpers ----------------------------------------------------

def case_url(slug: str, lang: str) -> str:
    return f"/cases/{slug}/{lang}.html"


def listing_url(lang: str, page: int) -> str:
    return f"/{lang}/cases/index.html" if page == 1 else f"/{lang}/cases/page-{page}.html"


def theme_url(lang: str, theme: str) -> str:
    return f"/{lang}/themes/{theme}.html"


def event_url(content: Content, lang: str) -> str:
    versions = content.event["versions"]
    return f"/{lang if lang in versions else 'en'}/events/{content.event['slug']}.html"


def report_url(report: dict) -> str:
    return f"/{report['lang']}/reports/{report['slug']}.html"


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def attr(name: str, value: str) -> str:
    return f' {name}="{esc(value)}"'


def link(href: str, text: str, extra: str = "") -> str:
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def paragraphs(text: str) -> str:
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return "\n".join(f"<p>{esc(block)}</p>" for block in blocks if block)


def theme_label(content: Content, theme: str, lang: str) -> str:
    return content.vocab["themes"][theme][lang]


def country_label(content: Content, code: str, lang: str) -> str:
    return content.vocab["countries"].get(code, {}).get(lang, code)


def cases_in(content: Content, lang: str) -> list:
    chosen = [case for case in content.cases if case["lang"] == lang]
    return sorted(chosen, key=lambda case: (case["place"].casefold(), case["title"].casefold()))


def translations(content: Content, slug: str) -> dict:
    found = {case["lang"]: case for case in content.cases if case["slug"] == slug}
    return {lang: found[lang] for lang in LANGS if lang in found}


def active_langs(content: Content) -> list:
    used = {case["lang"] for case in content.cases} | set(content.event["versions"])
    used |= {report["lang"] for report in content.reports}
    return [lang for lang in LANGS if lang in used]


def jsonld_script(data: dict) -> str:
    # "</" inside a script element would end it early; JSON allows "<\/" instead.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


# --- page frame ------------------------------------------------------------------

def render_head(content: Content, meta: Meta) -> str:
    ui = content.ui[meta.lang]
    lines = ['<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(meta.title)} | {esc(ui['site_name'])}</title>",
             f'<meta name="description" content="{esc(meta.description)}">',
             '<link rel="stylesheet" href="/style.css">']
    if meta.canonical:
        lines.append(f'<link rel="canonical" href="{esc(meta.path)}">')
    for lang, href in meta.alternates.items():
        lines.append(f'<link rel="alternate" hreflang="{lang}" href="{esc(href)}">')
    og = {"og:title": meta.title, "og:description": meta.description, "og:type": meta.og_type,
          "og:url": meta.path, "og:locale": meta.lang, "og:site_name": ui["site_name"]}
    lines += [f'<meta property="{key}" content="{esc(value)}">' for key, value in og.items()]
    if meta.head_extra:
        lines.append(meta.head_extra)
    if meta.jsonld:
        lines.append(jsonld_script(meta.jsonld))
    return "<head>\n" + "\n".join(lines) + "\n</head>"


def render_header(content: Content, meta: Meta) -> str:
    ui, lang = content.ui[meta.lang], meta.lang
    items = [(f"/{lang}/index.html", ui["home"]), (listing_url(lang, 1), ui["cases"]),
             (f"/{lang}/themes/index.html", ui["themes"]), (event_url(content, lang), ui["events"]),
             (f"/{lang}/reports.html", ui["reports"]), (f"/{lang}/about.html", ui["about"])]
    nav = "".join(f"<li>{link(href, text)}</li>" for href, text in items)
    others = meta.alternates or {code: f"/{code}/index.html" for code in active_langs(content)}
    switch = "".join(f'<li>{link(href, content.vocab["languages"][code], attr("hreflang", code))}</li>'
                     for code, href in others.items() if code != lang)
    return (f'<header class="site-header">\n<p class="brand">{link(f"/{lang}/index.html", ui["site_name"])}</p>\n'
            f'<nav class="main-nav" aria-label="main"><ul>{nav}</ul></nav>\n'
            f'<nav class="lang-switch" aria-label="{esc(ui["languages"])}"><ul>{switch}</ul></nav>\n</header>')


def render_footer(content: Content, lang: str) -> str:
    ui = content.ui[lang]
    items = [(f"/{lang}/about.html#privacy", ui["privacy"]), (f"/{lang}/about.html#contact", ui["contact"]),
             ("/sitemap.xml", ui["sitemap"]), ("/admin/index.html", ui["admin"])]
    links = "".join(f"<li>{link(href, text)}</li>" for href, text in items)
    return (f'<footer class="site-footer">\n<p>{esc(ui["footer_text"])}</p>\n<ul>{links}</ul>\n'
            f"<p>{esc(COPYRIGHT)}</p>\n</footer>")


def render_related(content: Content, lang: str, cases: list, heading: str = "related") -> str:
    items = "".join(f"<li>{link(case_url(c['slug'], c['lang']), c['title'])}</li>" for c in cases)
    return (f'<aside class="related">\n<h2>{esc(content.ui[lang][heading])}</h2>\n'
            f"<ul>{items}</ul>\n</aside>")


def render_page(content: Content, meta: Meta, main: str, related: list, nav: bool = True) -> str:
    ui = content.ui[meta.lang]
    parts = ["<!DOCTYPE html>", f'<html lang="{meta.lang}">', render_head(content, meta), "<body>"]
    if nav:
        parts += [f'<div class="cookie-banner" role="dialog" aria-label="cookies"><p>{esc(ui["cookie_text"])}</p>'
                  f'<button type="button">{esc(ui["cookie_accept"])}</button></div>', render_header(content, meta)]
    parts += [f'<p class="demo-note">{esc(ui["demo_note"])}</p>', f'<main id="content">\n{main}\n</main>']
    if nav:
        heading = "related" if meta.og_type == "article" else "featured"
        parts.append(render_related(content, meta.lang, related, heading))
    parts += [render_footer(content, meta.lang), "</body>", "</html>", ""]
    return "\n".join(parts)


def featured(content: Content, lang: str) -> list:
    chosen = cases_in(content, lang) or cases_in(content, "en")
    return chosen[:RELATED_COUNT]


def lastmod_of(content: Content, case: dict | None = None) -> str:
    return (case or {}).get("updated") or str(content.site["site_date"])


# --- case pages ------------------------------------------------------------------

def years_text(case: dict, ui: dict) -> str:
    start, end = case.get("start_year"), case.get("end_year")
    if start and end:
        return f"{start}–{end}"
    if start:
        return f"{ui['since']} {start}"
    return str(end) if end else ""


def case_jsonld(case: dict) -> dict:
    address = {"@type": "PostalAddress", "addressCountry": case["country"]}
    if case.get("region"):
        address["addressRegion"] = case["region"]
    place = {"@type": "Place", "name": case["place"], "address": address}
    if case.get("population_band"):
        place["additionalProperty"] = {"@type": "PropertyValue", "propertyID": "populationBand",
                                       "value": case["population_band"]}
    data = {"@context": "https://schema.org", "@type": "Article", "additionalType": "case",
            "name": case["title"], "inLanguage": case["lang"], "description": case["summary"].strip(),
            "keywords": ", ".join(case["keywords"]), "about": list(case["themes"]),
            "spatialCoverage": place}
    start, end = case.get("start_year"), case.get("end_year")
    if start:
        data["temporalCoverage"] = f"{start}/{end or '..'}"
        data["dateCreated"] = str(start)
    data["creativeWorkStatus"] = case["status"]
    data["isBasedOn"] = case["source_url"]
    return data


def render_facts(content: Content, case: dict) -> str:
    lang = case["lang"]
    ui = content.ui[lang]
    themes = ", ".join(link(theme_url(lang, t), theme_label(content, t, lang)) for t in case["themes"])
    rows = [("place", esc(case["place"])), ("region", esc(case.get("region") or "")),
            ("country", esc(country_label(content, case["country"], lang))),
            ("population", esc(case.get("population_band") or "")),
            ("level", esc(ui["level_values"][case["level"]])), ("years", esc(years_text(case, ui))),
            ("status", esc(ui["status_values"][case["status"]])), ("themes", themes),
            ("keywords", esc(", ".join(case["keywords"]))),
            ("source", link(case["source_url"], case["source_url"], ' rel="external"'))]
    cells = "".join(f"<dt>{esc(ui[key])}</dt><dd class=\"{key}\">{value}</dd>" for key, value in rows if value)
    return f'<section class="facts-box"><h2>{esc(ui["facts"])}</h2><dl class="facts">{cells}</dl></section>'


def render_case_main(content: Content, case: dict, print_link: bool) -> str:
    lang = case["lang"]
    ui = content.ui[lang]
    others = [link(case_url(case["slug"], code), content.vocab["languages"][code], f' hreflang="{code}"')
              for code in translations(content, case["slug"]) if code != lang]
    parts = [f'<article class="case">\n<h1>{esc(case["title"])}</h1>',
             f'<p class="summary">{esc(" ".join(case["summary"].split()))}</p>', render_facts(content, case),
             f'<div class="case-body">\n{paragraphs(case["body"])}\n</div>',
             f'<p class="source">{esc(ui["source"])}: '
             f'{link(case["source_url"], case["source_url"], attr("rel", "external"))}</p>']
    if others:
        parts.append(f'<p class="translations">{esc(ui["translations"])}: {", ".join(others)}</p>')
    if print_link:
        parts.append(f'<p class="print">{link(case_url(case["slug"], lang + "-print"), ui["print"])}</p>')
    return "\n".join(parts) + "\n</article>"


def related_cases(content: Content, case: dict) -> list:
    def score(other: dict) -> float:
        shared = len(set(other["themes"]) & set(case["themes"]))
        return shared + (0.5 if shared and other["country"] == case["country"] else 0)
    # Same language first; a language with few cases borrows from the others so the box is never empty.
    candidates = [c for c in content.cases if c["slug"] != case["slug"]]
    ranked = sorted(candidates, key=lambda c: (c["lang"] != case["lang"], -score(c), c["slug"], c["lang"]))
    return ranked[:RELATED_COUNT]


def build_case(content: Content, out: Output, case: dict) -> None:
    slug, lang = case["slug"], case["lang"]
    alternates = {code: case_url(slug, code) for code in translations(content, slug)}
    printed = {(p["slug"], p["lang"]) for p in content.site.get("print_versions", [])}
    meta = Meta(path=case_url(slug, lang), lang=lang, title=case["title"],
                description=" ".join(case["summary"].split()), og_type="article",
                alternates=alternates if len(alternates) > 1 else {}, jsonld=case_jsonld(case))
    main = render_case_main(content, case, (slug, lang) in printed)
    out.add(meta.path, render_page(content, meta, main, related_cases(content, case)), lastmod_of(content, case))
    if (slug, lang) in printed:
        # The print version repeats the text without navigation, canonical link or noindex, and
        # says what it is in one more line of its own: a near-duplicate, not an exact copy, that
        # the crawler has to notice by its content.
        print_meta = Meta(path=case_url(slug, lang + "-print"), lang=lang, title=case["title"],
                          description=meta.description, canonical=False, og_type="article")
        label = f'<p class="printed">{esc(content.ui[lang]["print"])}</p>\n</article>'
        main = render_case_main(content, case, False).removesuffix("</article>") + label
        out.add(print_meta.path, render_page(content, print_meta, main, [], nav=False))


# --- listings, themes, homes -------------------------------------------------------

def where_text(content: Content, case: dict) -> str:
    country = country_label(content, case["country"], case["lang"])
    return case["place"] if case["place"] == country else f"{case['place']}, {country}"


def case_list(content: Content, cases: list) -> str:
    items = []
    for case in cases:
        where = where_text(content, case)
        items.append(f'<li class="case-teaser"><h3>{link(case_url(case["slug"], case["lang"]), case["title"])}</h3>'
                     f'<p class="where">{esc(where)}</p><p>{esc(" ".join(case["summary"].split()))}</p></li>')
    return '<ul class="case-list">\n' + "\n".join(items) + "\n</ul>"


def pagination(ui: dict, lang: str, page: int, pages: int) -> str:
    parts = [f'<span class="page-status">{esc(ui["page_of"].format(page=page, pages=pages))}</span>']
    if page > 1:
        parts.append(link(listing_url(lang, page - 1), ui["previous"], ' rel="prev"'))
    parts += [link(listing_url(lang, n), str(n)) for n in range(1, pages + 1) if n != page]
    if page < pages:
        parts.append(link(listing_url(lang, page + 1), ui["next"], ' rel="next"'))
    return '<nav class="pagination">' + " ".join(parts) + "</nav>"


def build_listing(content: Content, out: Output, lang: str) -> None:
    ui, cases = content.ui[lang], cases_in(content, lang)
    pages = max(1, -(-len(cases) // PAGE_SIZE))
    for page in range(1, pages + 1):
        chunk = cases[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        rels = [f'<link rel="prev" href="{listing_url(lang, page - 1)}">' if page > 1 else "",
                f'<link rel="next" href="{listing_url(lang, page + 1)}">' if page < pages else ""]
        meta = Meta(path=listing_url(lang, page), lang=lang, title=f"{ui['all_cases']} ({page}/{pages})",
                    description=ui["home_intro"], head_extra="\n".join(r for r in rels if r),
                    jsonld={"@context": "https://schema.org", "@type": "CollectionPage",
                            "name": ui["all_cases"], "inLanguage": lang})
        main = (f"<h1>{esc(ui['all_cases'])}</h1>\n<p>{esc(ui['case_count'].format(count=len(cases)))}</p>\n"
                f"{case_list(content, chunk)}\n{pagination(ui, lang, page, pages)}")
        out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))


def build_themes(content: Content, out: Output, lang: str) -> None:
    ui, cases = content.ui[lang], cases_in(content, lang)
    rows = []
    for theme in content.vocab["themes"]:
        tagged = [case for case in cases if theme in case["themes"]]
        label = theme_label(content, theme, lang)
        rows.append(f"<li>{link(theme_url(lang, theme), label) if tagged else esc(label)} ({len(tagged)})</li>")
        if tagged:
            title = ui["theme_title"].format(theme=label)
            meta = Meta(path=theme_url(lang, theme), lang=lang, title=title, description=title)
            main = f"<h1>{esc(title)}</h1>\n{case_list(content, tagged)}"
            out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))
    meta = Meta(path=f"/{lang}/themes/index.html", lang=lang, title=ui["themes"], description=ui["home_intro"])
    main = f"<h1>{esc(ui['themes'])}</h1>\n<ul class=\"themes\">{''.join(rows)}</ul>"
    out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))


def special_links(content: Content, lang: str) -> list:
    site = content.site
    found = [(r["from"], r["label"]) for r in site.get("redirects", []) if r.get("link_lang") == lang]
    return found + [(b["href"], b["label"]) for b in site.get("broken_links", []) if b["lang"] == lang]


def build_lang_home(content: Content, out: Output, lang: str) -> None:
    ui = content.ui[lang]
    cases = cases_in(content, lang)
    event = content.event["versions"].get(lang) or content.event["versions"]["en"]
    extra = "".join(f"<li>{link(href, label)}</li>" for href, label in special_links(content, lang))
    main = (f"<h1>{esc(ui['site_name'])}</h1>\n<p>{esc(ui['home_intro'])}</p>\n"
            f"<h2>{link(listing_url(lang, 1), ui['all_cases'])}</h2>\n{case_list(content, cases[:5])}\n"
            f"<h2>{esc(ui['events'])}</h2>\n<p>{link(event_url(content, lang), event['title'])}</p>\n"
            f"<h2>{esc(ui['reports'])}</h2>\n<p>{link(f'/{lang}/reports.html', ui['reports'])}</p>\n"
            f'<ul class="more">{extra}<li>{link(f"/{lang}/themes/index.html", ui["themes"])}</li></ul>')
    alternates = {code: f"/{code}/index.html" for code in active_langs(content)}
    meta = Meta(path=f"/{lang}/index.html", lang=lang, title=ui["home"], description=ui["home_intro"],
                alternates=alternates)
    out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))


def build_root(content: Content, out: Output) -> None:
    langs = active_langs(content)
    items = "".join(f'<li>{link(f"/{code}/index.html", content.vocab["languages"][code], attr("hreflang", code))}'
                    f" ({esc(content.ui[code]['case_count'].format(count=len(cases_in(content, code))))})</li>"
                    for code in langs)
    ui = content.ui["en"]
    main = f"<h1>{esc(ui['site_name'])}</h1>\n<p>{esc(ui['home_intro'])}</p>\n<ul class=\"languages\">{items}</ul>"
    meta = Meta(path="/index.html", lang="en", title=ui["home"], description=ui["home_intro"],
                alternates={code: f"/{code}/index.html" for code in langs})
    out.add(meta.path, render_page(content, meta, main, featured(content, "en")), lastmod_of(content))


def build_about(content: Content, out: Output, lang: str) -> None:
    ui = content.ui[lang]
    main = (f"<h1>{esc(ui['about'])}</h1>\n<p>{esc(ui['about_text'])}</p>\n<p>{esc(ui['demo_note'])}</p>\n"
            f'<h2 id="privacy">{esc(ui["privacy"])}</h2>\n<p>{esc(ui["cookie_text"])}</p>\n'
            f'<h2 id="contact">{esc(ui["contact"])}</h2>\n<p>{esc(ui["footer_text"])}</p>')
    meta = Meta(path=f"/{lang}/about.html", lang=lang, title=ui["about"], description=ui["about_text"])
    out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))


# --- event and reports ------------------------------------------------------------

def event_jsonld(event: dict, lang: str, version: dict, path: str) -> dict:
    return {"@context": "https://schema.org", "@type": "Event", "additionalType": "event",
            "name": version["title"], "inLanguage": lang, "description": " ".join(version["summary"].split()),
            "startDate": event["start_date"], "endDate": event["end_date"],
            "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
            "eventStatus": "https://schema.org/EventScheduled",
            "location": {"@type": "VirtualLocation", "url": path},
            "about": ["governance", "smart-city", "urban-development"]}


def render_agenda(ui: dict, version: dict) -> str:
    days = []
    for day in version["days"]:
        rows = "".join(f"<tr><td><time>{esc(time)}</time></td><td>{esc(title)}</td></tr>"
                       for time, title in day["sessions"])
        days.append(f'<h3><time datetime="{day["date"]}">{esc(day["date"])}</time></h3>\n'
                    f'<table class="agenda"><tbody>{rows}</tbody></table>')
    return f'<section class="agenda"><h2>{esc(ui["agenda"])}</h2>\n' + "\n".join(days) + "</section>"


def build_event(content: Content, out: Output) -> None:
    event = content.event
    alternates = {lang: event_url(content, lang) for lang in LANGS if lang in event["versions"]}
    for lang, version in event["versions"].items():
        ui, path = content.ui[lang], event_url(content, lang)
        dates = f"{event['start_date']} / {event['end_date']}"
        main = (f'<article class="event">\n<h1>{esc(version["title"])}</h1>\n'
                f'<p class="summary">{esc(" ".join(version["summary"].split()))}</p>\n'
                f'<dl class="facts"><dt>{esc(ui["date"])}</dt><dd>{esc(dates)}</dd>'
                f'<dt>{esc(ui["format"])}</dt><dd>{esc(version["format"])}</dd></dl>\n'
                f"{paragraphs(version['body'])}\n{render_agenda(ui, version)}\n</article>")
        meta = Meta(path=path, lang=lang, title=version["title"], description=" ".join(version["summary"].split()),
                    alternates=alternates, jsonld=event_jsonld(event, lang, version, path))
        out.add(path, render_page(content, meta, main, featured(content, lang)), str(event["lastmod"]))


def report_cases(content: Content, report: dict) -> list:
    select = report.get("select") or {}
    chosen = cases_in(content, select["lang"]) if "lang" in select else content.cases
    themes = set(select.get("themes", []))
    return [case for case in chosen if not themes or themes & set(case["themes"])]


def count_table(rows: list, heading: str) -> str:
    cells = "".join(f"<tr><td>{esc(label)}</td><td>{count}</td></tr>" for label, count in rows)
    return f"<h2>{esc(heading)}</h2>\n<table><tbody>{cells}</tbody></table>"


def overview_rows(content: Content, lang: str) -> dict:
    by_lang = [(content.vocab["languages"][code], sum(c["lang"] == code for c in content.cases)) for code in LANGS]
    # Countries and themes count each case once, however many translations it has.
    cases = list({case["slug"]: case for case in content.cases}.values())
    countries = sorted({c["country"] for c in cases})
    by_country = [(country_label(content, code, lang), sum(c["country"] == code for c in cases)) for code in countries]
    by_theme = [(theme_label(content, t, lang), sum(t in c["themes"] for c in cases)) for t in content.vocab["themes"]]
    ui = content.ui[lang]
    return {ui["languages"]: [r for r in by_lang if r[1]], ui["country"]: by_country, ui["themes"]: by_theme}


def report_jsonld(report: dict) -> dict:
    data = {"@context": "https://schema.org", "@type": "Report", "additionalType": "report",
            "name": report["title"], "inLanguage": report["lang"], "description": " ".join(report["summary"].split()),
            "datePublished": str(report["published"]), "about": list(report.get("themes", []))}
    if report.get("pdf"):
        data["encoding"] = {"@type": "MediaObject", "encodingFormat": "application/pdf",
                            "contentUrl": pdf_url(report)}
    return data


def pdf_url(report: dict) -> str:
    return f"/files/{report['slug']}.pdf"


def build_report(content: Content, out: Output, report: dict) -> None:
    lang, ui = report["lang"], content.ui[report["lang"]]
    cases = report_cases(content, report)
    if report.get("select"):
        detail = f"<h2>{esc(ui['report_cases'])}</h2>\n{case_list(content, cases)}"
    else:
        detail = "\n".join(count_table(rows, head) for head, rows in overview_rows(content, lang).items())
    download = f'<p class="download">{link(pdf_url(report), ui["download_pdf"], attr("type", "application/pdf"))}</p>' \
        if report.get("pdf") else ""
    main = (f'<article class="report">\n<h1>{esc(report["title"])}</h1>\n'
            f'<p class="published">{esc(ui["published"])}: <time>{esc(report["published"])}</time></p>\n'
            f'<p class="summary">{esc(" ".join(report["summary"].split()))}</p>\n'
            f"{paragraphs(report['body'])}\n{download}\n{detail}\n</article>")
    meta = Meta(path=report_url(report), lang=lang, title=report["title"], og_type="article",
                description=" ".join(report["summary"].split()), jsonld=report_jsonld(report))
    out.add(meta.path, render_page(content, meta, main, cases[:RELATED_COUNT] or featured(content, lang)),
            str(report["published"]))
    if report.get("pdf"):
        out.add(pdf_url(report), pdf_document(report["title"], report_pdf_lines(content, report, cases)),
                str(report["published"]))


def build_report_index(content: Content, out: Output, lang: str) -> None:
    ui = content.ui[lang]
    items = "".join(f'<li>{link(report_url(r), r["title"], attr("hreflang", r["lang"]))} '
                    f'({esc(content.vocab["languages"][r["lang"]])})</li>' for r in content.reports)
    main = f"<h1>{esc(ui['reports'])}</h1>\n<ul class=\"reports\">{items}</ul>"
    meta = Meta(path=f"/{lang}/reports.html", lang=lang, title=ui["reports"], description=ui["reports"])
    out.add(meta.path, render_page(content, meta, main, featured(content, lang)), lastmod_of(content))


# --- PDF -------------------------------------------------------------------------

def report_pdf_lines(content: Content, report: dict, cases: list) -> list:
    ui = content.ui[report["lang"]]
    lines = [" ".join(report["summary"].split()), "", f"{ui['published']}: {report['published']}", ""]
    if report.get("select"):
        lines.append(ui["report_cases"] + ":")
        lines += [f"- {c['title']} ({where_text(content, c)})" for c in cases]
    else:
        for heading, rows in overview_rows(content, report["lang"]).items():
            lines += [heading + ": " + "; ".join(f"{label} {count}" for label, count in rows if count), ""]
    return lines + ["", ui["demo_note"]]


def pdf_string(text: str) -> str:
    raw = text.encode("cp1252", errors="replace").decode("latin-1")
    return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_text_stream(title: str, lines: list) -> bytes:
    wrapped_title = textwrap.wrap(title, 60)
    body = [part for line in lines for part in (textwrap.wrap(line, 95) or [""])]
    if len(wrapped_title) * 20 + len(body) * 13 > 730:
        raise ContentError(f"PDF text of {title!r} does not fit on one page")
    ops = ["BT", "/F1 15 Tf", "20 TL", "56 786 Td"]
    ops += [f"{pdf_string(part)} Tj T*" for part in wrapped_title]
    ops += ["/F1 10 Tf", "13 TL", "T*"] + [f"{pdf_string(part)} Tj T*" for part in body] + ["ET"]
    return "\n".join(ops).encode("latin-1")


def pdf_document(title: str, lines: list) -> bytes:
    """A one-page A4 PDF with real, extractable Helvetica text (WinAnsi encoding)."""
    stream = pdf_text_stream(title, lines)
    title_hex = "<FEFF" + title.encode("utf-16-be").hex().upper() + ">"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               f"<< /Title {title_hex} /Producer (Casebook demo build_site) >>".encode("ascii")]
    data, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(data)


# --- site-wide files -------------------------------------------------------------

def build_admin(content: Content, out: Output) -> None:
    ui = content.ui["en"]
    main = (f"<h1>{esc(ui['admin_title'])}</h1>\n<form method=\"post\" action=\"/admin/login\">"
            '<label>User <input name="user"></label> <label>Password <input name="password" type="password">'
            "</label> <button>Log in</button></form>")
    meta = Meta(path="/admin/index.html", lang="en", title=ui["admin_title"], description=ui["admin_title"],
                head_extra='<meta name="robots" content="noindex, nofollow">')
    out.add(meta.path, render_page(content, meta, main, [], nav=False))


def build_site_files(content: Content, out: Output) -> None:
    urls = "".join(f"<url><loc>{esc(path)}</loc><lastmod>{date}</lastmod></url>\n"
                   for path, date in sorted(out.lastmod.items()))
    out.add("/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n")
    # A Sitemap line needs an absolute URL and the demo server's port is not known in
    # advance, so robots.txt only names the disallowed area; the sitemap sits at /sitemap.xml.
    out.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
    out.add("/style.css", CSS)
    redirects = content.site.get("redirects", [])
    for redirect in redirects:
        if redirect["to"] not in out.files:
            raise ContentError(f"site.yaml: redirect target {redirect['to']} is not a page of the site")
    out.add("/_redirects", "".join(f"{r['from']} {r['to']} {r['status']}\n" for r in redirects))


def build(content: Content) -> Output:
    out = Output()
    for case in content.cases:
        build_case(content, out, case)
    for lang in active_langs(content):
        for builder in (build_listing, build_themes, build_lang_home, build_about, build_report_index):
            builder(content, out, lang)
    build_root(content, out)
    build_event(content, out)
    for report in content.reports:
        build_report(content, out, report)
    build_admin(content, out)
    build_site_files(content, out)
    return out


def write_site(out: Output, target: Path = SITE) -> None:
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(out.files):
        destination = target / path.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(out.files[path])


def main() -> int:
    try:
        content = load_content()
    except ContentError as error:
        print(f"demo_site_builder: {error}", file=sys.stderr)
        return 1
    out = build(content)
    write_site(out)
    counts = {lang: len(cases_in(content, lang)) for lang in LANGS}
    print(f"demo_site_builder: wrote {len(out.files)} files to {SITE} (cases per language: {counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
