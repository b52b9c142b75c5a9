"""Result sets as reference-manager files: RIS and BibTeX (Zotero, EndNote, JabRef).

Each document becomes a web-page reference with its title, URL, year,
language, place and themes. Values are cleaned so the files parse: RIS lines
carry no line breaks (a URL's whitespace and control characters are
percent-encoded), BibTeX values escape TeX's special characters and keep
braces balanced.
"""

from __future__ import annotations

import re

from kb.formats import escaped_url

RIS_TYPES = {"report": "RPRT", "event": "CONF"}  # everything else is a web page (ELEC)
BIB_TYPES = {"report": "techreport"}  # everything else is @misc
_BIB_SPECIAL = re.compile(r"([\\{}%&#$_^~])")
_BIB_REPLACE = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


def _one_line(value) -> str:
    return " ".join(str(value).split())


def ris_record(record: dict, page_url: str) -> str:
    lines = [("TY", RIS_TYPES.get(record.get("type"), "ELEC")), ("TI", record.get("title") or record["url"])]
    if record.get("municipality"):
        lines.append(("AU", record["municipality"]))
    if record.get("year"):
        lines.append(("PY", record["year"]))
    if record.get("published"):
        lines.append(("DA", record["published"][:10].replace("-", "/")))
    lines += [("UR", escaped_url(record["url"])), ("LA", record.get("lang") or "und")]
    if record.get("country"):
        lines.append(("CY", record["country"]))
    lines += [("KW", theme) for theme in record.get("themes") or []]
    if record.get("description"):
        lines.append(("AB", record["description"]))
    if record.get("fetched_at"):
        lines.append(("Y2", record["fetched_at"][:10].replace("-", "/")))
    lines += [("DB", "Casebook"), ("ID", f"casebook-{record['id']}"), ("N1", f"Casebook: {page_url}")]
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines if _one_line(value))
    return text + "ER  - \r\n"


def to_ris(records: list[tuple[dict, str]]) -> str:
    """RIS for (record, Casebook page URL) pairs; records are kb.formats.export_record dicts."""
    return "\r\n".join(ris_record(record, page) for record, page in records)


def bib_escape(value) -> str:
    return _BIB_SPECIAL.sub(lambda m: _BIB_REPLACE.get(m.group(1), "\\" + m.group(1)), _one_line(value))


def bib_record(record: dict, page_url: str) -> str:
    fields = [("title", bib_escape(record.get("title") or record["url"])),
              ("url", escaped_url(record["url"]).replace("{", "%7B").replace("}", "%7D"))]
    if record.get("municipality"):
        fields.append(("author", "{" + bib_escape(record["municipality"]) + "}"))
    if record.get("year"):
        fields.append(("year", str(record["year"])))
    fields.append(("language", bib_escape(record.get("lang") or "und")))
    if record.get("themes"):
        fields.append(("keywords", bib_escape(", ".join(record["themes"]))))
    if record.get("fetched_at"):
        fields.append(("urldate", record["fetched_at"][:10]))
    if record.get("description"):
        fields.append(("abstract", bib_escape(record["description"])))
    fields.append(("note", bib_escape(f"Casebook: {page_url}")))
    kind = BIB_TYPES.get(record.get("type"), "misc")
    if kind == "techreport":
        fields.append(("institution", bib_escape(record.get("source_name") or record.get("source") or "unknown")))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{casebook{record['id']},\n{body}\n}}\n"


def to_bibtex(records: list[tuple[dict, str]]) -> str:
    return "\n".join(bib_record(record, page) for record, page in records)
