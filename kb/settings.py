"""Settings of the knowledge base and the data folder they live in.

One frozen dataclass; each field has a default and a help string. Layers, from
weakest to strongest: defaults < ``kb.toml`` in the data folder < ``KB_*``
environment variables < command-line flags (passed as ``overrides``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import InputError
from kb.urlcheck import RefusedUrl, parse_web_url

DEFAULT_DATA_DIR = "./kb-data"


def _setting(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    """Everything a Casebook installation can be told, with safe defaults."""

    data_dir: Path = _setting(Path(DEFAULT_DATA_DIR), "Folder holding the SQLite database and the index.")
    database_url: str = _setting(
        "", "The knowledge base on a PostgreSQL server instead of SQLite in the data folder: "
            "postgresql+psycopg://user:password@host:port/database (or ?host=/socket/folder). Empty: SQLite "
            "(kb.sqlite3 in the data folder). The index and the other files stay in the data folder.")
    index_dir: Path | None = _setting(
        None, "Folder of the index generations; empty: index/ in the data folder. Several web nodes share one "
              "index by naming the same folder (a shared disk): one indexer (`kb worker` or `kb index`) "
              "publishes generations there, every `kb serve` only reads it.")
    index_grace: float = _setting(
        300.0, "Seconds a replaced index generation stays on disk for web nodes still reading it, once a "
               "newer one is published (the previous one is kept in any case).")
    user_agent: str = _setting(
        "CasebookBot/0.1 (+https://casebook.example/bot)",
        "User-Agent sent by the crawler; names Casebook and a contact URL.",
    )
    contact_url: str = _setting("https://casebook.example/bot", "Where webmasters learn about the crawler.")
    crawl_delay: float = _setting(1.0, "Seconds between two requests to the same host.")
    max_pages: int = _setting(500, "Most pages one crawl stores.")
    sitemap_trust_days: float = _setting(
        30.0, "A re-crawl skips a page whose sitemap lastmod is not newer than our copy, if fetched within these days.")
    max_depth: int = _setting(5, "Most links followed from a seed.")
    worker_id: str = _setting(
        "", "Name of this crawler worker (`kb worker`, `kb crawl`) on a frontier shared through database_url: the "
            "URLs it claims carry it, and a worker restarted under the same name puts back its own URLs in flight "
            "at once. Empty: this machine's name; give each of several workers on one machine a name of its own.")
    claim_lease: float = _setting(
        900.0, "Seconds a URL claimed by a crawler worker stays its own without news of it: a live worker renews "
               "its claims every third of this, and the URLs of a worker silent for longer (killed) go back to "
               "the queue for the others.")
    max_bytes: int = _setting(10 * 1024 * 1024, "Largest response body kept, in bytes.")
    timeout: float = _setting(20.0, "Connect and read timeout of one request, in seconds.")
    allow_private_hosts: bool = _setting(False, "Allow crawling loopback and private addresses.")
    languages: tuple[str, ...] = _setting(
        ("nl", "en", "fr", "de", "es", "it", "pt"),
        "Languages preferred when a text too short to judge declares none and the detector hesitates; "
        "never overrides the language a longer text is written in."
    )
    secret_key: str = _setting("", "Flask secret key; generated into the data folder when empty.")
    batch_niceness: int = _setting(
        0, "Crawls, imports, index builds and the worker lower their CPU priority by this much (e.g. 10), so "
           "that searches served on the same cores stay quick, at the cost of slower imports.")
    serve_workers: int = _setting(
        0, "Processes serving the web UI (`kb serve`); 0: one per core, at most 4 (one where gunicorn is "
           "missing, or with --with-worker); more than one uses gunicorn (not on Windows).")
    serve_threads: int = _setting(8, "Threads per serving process.")
    secure_cookies: bool = _setting(False, "Send the session cookie over HTTPS only (turn on behind HTTPS).")
    embedding_model: str = _setting(
        "auto", "Model for search by meaning across languages: auto (multilingual-e5-small, else USE), e5, use, "
                "or none (lexical search only). Changing it rebuilds the vectors only (`kb index --vectors`).")
    registration_retention_days: int = _setting(
        90, "Days after an event ends before `kb worker` deletes its participants' data.")
    base_url: str = _setting(
        "", "Public address of the web UI, such as https://casebook.example.org: every absolute link (calendar "
            "files, share and cancel links, feeds, exports, sitemap) starts with it. Empty: links use the request's "
            "host only if allowed_hosts holds it (or it is a loopback name when that list is empty), else localhost.")
    allowed_hosts: tuple[str, ...] = _setting(
        (), "Host names `kb serve` answers to (comma-separated; .example.org allows its subdomains; the port is not "
            "compared). A request naming another host in its Host header gets 400. Empty: any host.")
    trusted_proxies: int = _setting(
        0, "Reverse proxies in front of `kb serve` whose X-Forwarded-For and X-Forwarded-Proto are believed: "
           "the client's address then comes from them (rate limits, sign-in throttling). 0: none.")

    def __post_init__(self):
        # index_dir is a field (kb.toml, KB_INDEX_DIR) read as a path: the data folder's index/ when unset.
        # dataclasses.replace(settings, data_dir=...) keeps the index folder already chosen.
        folder = Path(self.index_dir) if self.index_dir else self.data_dir / "index"
        object.__setattr__(self, "index_dir", folder)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite3"

    @property
    def on_postgresql(self) -> bool:
        return bool(self.database_url)

    @property
    def shared_index(self) -> bool:
        """The index lives outside the data folder, where other machines' web nodes may read it."""
        return self.index_dir != self.data_dir / "index"


DEFAULTS = Settings()  # every default, read by what states one elsewhere (flags' help, a new source's limits)

# A source's own schedule, given when it is registered (`kb source add --recrawl-days`, the catalogue's
# entries); not a setting of the installation, but stated here with the limits a new source starts with.
SOURCE_RECRAWL_DAYS = 7


def setting_help() -> dict[str, str]:
    """Name -> help text of every setting, for `kb --help` and the README."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(Settings)}


def _coerce(name: str, raw, kind):
    """Turn a TOML or environment value into the type of the field."""
    try:
        if kind is bool or isinstance(kind, str) and kind == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (Path, "Path", "Path | None"):
            return Path(raw)
        if kind in ("tuple[str, ...]",):
            return tuple(raw) if isinstance(raw, list) else tuple(s.strip() for s in str(raw).split(",") if s.strip())
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise InputError(f"setting {name!r}: cannot use {raw!r} ({exc})") from None


def load_settings(data_dir: str | Path | None = None, overrides: dict | None = None, environ=None) -> Settings:
    """Build settings from the layers: defaults, kb.toml, KB_* variables, overrides."""
    environ = os.environ if environ is None else environ
    kinds = {f.name: f.type for f in dataclasses.fields(Settings)}
    folder = Path(data_dir or environ.get("KB_DATA") or DEFAULT_DATA_DIR)
    values: dict = {}
    toml_path = folder / "kb.toml"
    if toml_path.is_file():
        try:
            values.update(tomllib.loads(toml_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{toml_path}: {exc}") from None
    for name in kinds:
        env_value = environ.get(f"KB_{name.upper()}")
        if env_value is not None and name != "data_dir":
            values[name] = env_value
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    unknown = set(values) - set(kinds)
    if unknown:
        raise InputError(f"unknown setting(s) in kb.toml: {', '.join(sorted(unknown))}")
    coerced = {name: _coerce(name, raw, kinds[name]) for name, raw in values.items()}
    coerced["data_dir"] = folder
    if coerced.get("base_url"):
        coerced["base_url"] = _checked_base_url(coerced["base_url"])
    if "embedding_model" in coerced:
        coerced["embedding_model"] = _checked_model(coerced["embedding_model"])
    if coerced.get("claim_lease", 1.0) <= 0:
        raise InputError(f"setting 'claim_lease': {coerced['claim_lease']!r} is not a number of seconds above 0")
    if coerced.get("database_url"):
        coerced["database_url"] = _checked_database_url(coerced["database_url"])
    return Settings(**coerced)


# The engines the knowledge base runs on besides SQLite: PostgreSQL through psycopg 3 (a plain
# postgresql:// means the same driver, so that a URL copied from psql's documentation works).
DATABASE_SCHEMES = ("postgresql+psycopg", "postgresql")


def _checked_database_url(raw: str) -> str:
    text = str(raw).strip()
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme not in DATABASE_SCHEMES:
        raise InputError(f"setting 'database_url': {scheme or text!r} is not postgresql+psycopg://... "
                         "(leave it empty for SQLite in the data folder)")
    return "postgresql+psycopg://" + text.split("://", 1)[1]


# The choices of ``embedding_model`` (index.embedding's models, kept equal by tests/index/test_meaning.py):
# a misspelt one is refused when the settings load, not found out as "search by meaning is not available".
EMBEDDING_MODELS = ("auto", "e5", "use", "none")


def _checked_model(raw: str) -> str:
    choice = str(raw).strip().lower() or "auto"
    if choice not in EMBEDDING_MODELS:
        raise InputError(f"setting 'embedding_model': {raw!r} is not one of {', '.join(EMBEDDING_MODELS)}")
    return choice


def _checked_base_url(raw: str) -> str:
    """``base_url`` without its final slash, if it is an http(s) address of a host with no query or fragment."""
    text = raw.strip().rstrip("/")
    try:
        address = parse_web_url(text)
    except RefusedUrl as exc:
        raise InputError(f"setting 'base_url': {raw!r} is not a web address ({exc})") from None
    if address.has_credentials or address.query or "#" in text:
        raise InputError(f"setting 'base_url': {raw!r} must be scheme://host[:port][/path], nothing more")
    return text
