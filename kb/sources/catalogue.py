"""The source catalogue: which public websites Casebook crawls, and how far.

This module owns the schema of ``catalogue.yaml`` (bundled next to it): it loads
the file into frozen ``CatalogueEntry`` records, raising ``CatalogueError`` on
schema errors (a missing field, a wrong type, a duplicate key), and checks each
entry's content with ``validate_entry``: known kind and country codes,
two-letter language codes, and for URLs, hosts and scope the rules of
``kb.urlcheck`` (the one rulebook the crawler follows too), checked offline:
URL syntax, no address that would point a crawler at a private network, and
every seed inside its own scope. ``select_entries`` implements the ``--only``
filter by country, kind or language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
import yaml

from kb import urlcheck
from kb.errors import InputError
from kb.settings import SOURCE_RECRAWL_DAYS

DEFAULT_PATH = Path(__file__).with_name("catalogue.yaml")

KINDS = frozenset({"programme", "municipality", "agency", "network", "database", "research"})

# ISO 3166-1 alpha-2 (officially assigned codes), plus "EU" for European-level sources.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL
    BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV
    CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD
    GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
    IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK
    LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW
    MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR
    PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS
    ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY
    UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW EU
    """.split()
)

_FIELDS = ("key", "name", "seeds", "scope", "languages", "country", "kind", "recrawl_days", "why")
_REQUIRED = ("key", "name", "seeds", "scope", "languages", "country", "kind", "why")
_SCOPE_FIELDS = ("hosts", "include", "exclude")
_KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


class CatalogueError(InputError, ValueError):
    """The catalogue file breaks the schema; the message names the entry."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One website to crawl, with the scope that keeps the crawl on case material."""

    key: str
    name: str
    seeds: tuple[str, ...]
    hosts: tuple[str, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    languages: tuple[str, ...]
    country: str
    kind: str
    recrawl_days: int
    why: str


def load_catalogue(path: str | Path | None = None) -> list[CatalogueEntry]:
    """Read and schema-check a catalogue file (default: the bundled one)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the catalogue: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise CatalogueError(f"{path}: expected a mapping with a 'sources' list")
    entries: list[CatalogueEntry] = []
    seen: set[str] = set()
    for position, raw in enumerate(document["sources"], start=1):
        entry = _entry_from_mapping(raw, position)
        if entry.key in seen:
            raise CatalogueError(f"source '{entry.key}': duplicate key")
        seen.add(entry.key)
        entries.append(entry)
    return entries


def _entry_from_mapping(raw: object, position: int) -> CatalogueEntry:
    label = f"source #{position}"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{label}: expected a mapping, got {type(raw).__name__}")
    if isinstance(raw.get("key"), str) and raw["key"]:
        label = f"source '{raw['key']}'"
    for field in _REQUIRED:
        if field not in raw:
            raise CatalogueError(f"{label}: missing field '{field}'")
    unknown = sorted(set(raw) - set(_FIELDS), key=str)
    if unknown:
        raise CatalogueError(f"{label}: unknown field(s) {', '.join(map(str, unknown))}")
    scope = raw["scope"]
    if not isinstance(scope, dict):
        raise CatalogueError(f"{label}: field 'scope' must be a mapping")
    if "hosts" not in scope:
        raise CatalogueError(f"{label}: missing field 'scope.hosts'")
    unknown = sorted(set(scope) - set(_SCOPE_FIELDS), key=str)
    if unknown:
        raise CatalogueError(f"{label}: unknown scope field(s) {', '.join(map(str, unknown))}")
    recrawl_days = raw.get("recrawl_days", SOURCE_RECRAWL_DAYS)
    if isinstance(recrawl_days, bool) or not isinstance(recrawl_days, int) or recrawl_days < 1:
        raise CatalogueError(f"{label}: field 'recrawl_days' must be a whole number of days >= 1")
    return CatalogueEntry(
        key=_text(raw, "key", label),
        name=_text(raw, "name", label),
        seeds=_texts(raw, "seeds", label),
        hosts=tuple(host.lower() for host in _texts(scope, "hosts", label, "scope.")),
        include=_texts(scope, "include", label, "scope.", required=False),
        exclude=_texts(scope, "exclude", label, "scope.", required=False),
        languages=_texts(raw, "languages", label),
        country=_text(raw, "country", label),
        kind=_text(raw, "kind", label),
        recrawl_days=recrawl_days,
        why=_text(raw, "why", label),
    )


def _text(raw: dict, field: str, label: str) -> str:
    value = raw[field]
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{label}: field '{field}' must be a non-empty string")
    return value.strip()


def _texts(raw: dict, field: str, label: str, prefix: str = "", required: bool = True) -> tuple[str, ...]:
    value = raw.get(field, [] if not required else None)
    if value is None and not required:
        value = []
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise CatalogueError(f"{label}: field '{prefix}{field}' must be a list of non-empty strings")
    if required and not value:
        raise CatalogueError(f"{label}: field '{prefix}{field}' must not be empty")
    return tuple(item.strip() for item in value)


def validate_entry(entry: CatalogueEntry) -> list[str]:
    """Return the content problems of one entry (an empty list when it is sound)."""
    problems: list[str] = []
    if not _KEY_RE.match(entry.key):
        problems.append(f"key {entry.key!r} is not kebab-case")
    if "\n" in entry.why:
        problems.append("why must be one line")
    if entry.kind not in KINDS:
        problems.append(f"kind {entry.kind!r} is not one of {', '.join(sorted(KINDS))}")
    if entry.country not in COUNTRIES:
        problems.append(f"country {entry.country!r} is not an ISO 3166-1 alpha-2 code or 'EU'")
    for language in entry.languages:
        if not _LANGUAGE_RE.match(language):
            problems.append(f"language {language!r} is not a two-letter ISO 639-1 code")
    if entry.recrawl_days < 1:
        problems.append("recrawl_days must be >= 1")
    for host in entry.hosts:
        problem = host_problem(host)
        if problem:
            problems.append(f"host {host!r}: {problem}")
    for prefix in entry.include + entry.exclude:
        if not prefix.startswith("/"):
            problems.append(f"path prefix {prefix!r} must start with '/'")
    for seed in entry.seeds:
        problem = url_problem(seed)
        if problem:
            problems.append(f"seed {seed!r}: {problem}")
        elif not url_in_scope(entry, seed):
            problems.append(f"seed {seed!r} is outside the entry's own scope")
    return problems


def validate_catalogue(entries: list[CatalogueEntry]) -> list[str]:
    """Problems of every entry, prefixed by its key, plus duplicate keys and seeds."""
    problems = [f"{entry.key}: {problem}" for entry in entries for problem in validate_entry(entry)]
    first_owner: dict[str, str] = {}
    for entry in entries:
        if entry.key in first_owner:
            problems.append(f"{entry.key}: duplicate key")
        first_owner.setdefault(entry.key, entry.key)
    seed_owner: dict[str, str] = {}
    for entry in entries:
        for seed in entry.seeds:
            normal = seed.rstrip("/").lower()
            if normal in seed_owner:
                problems.append(f"{entry.key}: seed {seed!r} already listed by {seed_owner[normal]}")
            seed_owner.setdefault(normal, entry.key)
    return problems


def url_problem(url: str) -> str | None:
    """Why a URL is unfit as a crawl seed, or None: the rulebook's (kb.urlcheck), offline."""
    return urlcheck.url_problem(url)


def host_problem(host: str) -> str | None:
    """Why a host is not a public internet host written as DNS has it, or None (kb.urlcheck, offline)."""
    try:
        written = urlcheck.ascii_host(f"[{host}]" if ":" in host else host)
    except urlcheck.BadUrl as exc:
        return str(exc)
    if written != host.lower().rstrip(".") and ":" not in host:
        return f"write the host as DNS has it: {written}"
    return urlcheck.host_problem(written)


def url_in_scope(entry: CatalogueEntry, url: str) -> bool:
    """True when the URL is on the entry's hosts and its path passes include/exclude: the crawler's
    scope rule (kb.urlcheck.in_scope), so www.x and x are one site and a prefix covers whole path
    segments: ``/good-practices`` covers ``/good-practices/x`` but not ``/good-practices-old``."""
    return urlcheck.in_scope(url, entry.hosts, entry.include, entry.exclude)


def select_entries(entries: list[CatalogueEntry], only: list[str] | tuple[str, ...]) -> list[CatalogueEntry]:
    """Keep the entries matching ``--only`` values; no values keeps them all.

    Each value names a country, a kind or a language, told apart by ISO casing:
    two upper-case letters are a country (``BE``, ``EU``), two lower-case
    letters a language (``nl``), and one of the six kind words a kind
    (``municipality``). Values of the same dimension are OR-ed, dimensions are
    AND-ed: ``["BE", "NL", "municipality"]`` keeps Belgian or Dutch municipalities.
    """
    countries, kinds, languages = set(), set(), set()
    for value in only:
        if value.lower() in KINDS:
            kinds.add(value.lower())
        elif re.fullmatch(r"[A-Z]{2}", value):
            countries.add(value)
        elif re.fullmatch(r"[a-z]{2}", value):
            languages.add(value)
        else:
            raise CatalogueError(
                f"--only {value!r}: expected a country code (BE, EU), a language code (nl) "
                f"or a kind ({', '.join(sorted(KINDS))})"
            )
    return [
        entry for entry in entries
        if (not countries or entry.country in countries)
        and (not kinds or entry.kind in kinds)
        and (not languages or languages.intersection(entry.languages))
    ]
