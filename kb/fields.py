"""Checking the fields of a form or request, one message per field.

A ``Fields`` reads a submission (a dict of strings or JSON values), keeps the
cleaned values and collects what is wrong with each field, so a form can show
every problem at once beside its field instead of stopping at the first one.
The messages are the fixed templates of ``MESSAGES``: an interface translates
them by their English text (the web UI's catalogues hold each one).
"""

from __future__ import annotations

import re

from kb.errors import FieldErrors
from kb.urlcheck import is_web_address

DIGITS = re.compile(r"[0-9]{1,11}")
# Line breaks, tabs and other control characters (C0, DEL, C1, Unicode line and paragraph separators):
# inside a stored address they would break the lines of RIS files and headers built from it.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def whole_number(value) -> int | None:
    """``value`` as a whole number written in ASCII digits (at most 11), else None.

    Not ``str.isdigit``: it accepts "²" and other digits that ``int`` refuses."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    return int(text) if DIGITS.fullmatch(text) else None


MESSAGES = {
    "required": "This field is required.",
    "too_long": "At most %(limit)d characters.",
    "choice": "Choose one of the options offered.",
    "country": "A two-letter country code, such as BE or NL.",
    "url": "An address starting with http:// or https://.",
    "url_control": "An address without line breaks, tabs or other control characters.",
    "urls": "Each line must be an address starting with http:// or https://: %(value)s",
    "whole_number": "A whole number, 0 or more (or empty for no limit).",
    "languages": "Two-letter language codes separated by commas, such as nl, fr: %(value)s",
    "concepts": "Not in the thesaurus: %(value)s. Choose concepts from the list.",
    "organisation": "Choose an organisation from the list.",
    "datetime": "A date and time, such as 2030-09-21T09:00.",
    "offset": "Needs a time-zone offset, such as +02:00.",
    "zone": "Choose a time zone from the list.",
    "ends_before_starts": "The end is before the start.",
    "deadline_after_end": "The registration deadline is after the end of the event.",
    "collection": "Choose a collection from the list.",
    "time": "A time of day, such as 09:30.",
    "day": "Choose one of the event's days.",
    "speakers": "Choose speakers from the list of profiles.",
    "agenda": "Each agenda item needs a title and a time as text, and speakers and documents as lists of numbers.",
    "documents": "Document numbers separated by commas; these do not exist: %(value)s",
    "purpose": "Say what the profile is published for.",
    "consent_date": "A date, not in the future, such as 2030-03-01.",
    "network": "Choose a network or programme from the list.",
    "countries": "Two-letter country codes separated by commas, such as BE, NL: %(value)s",
    "opens_after_deadline": "The opening date is after the deadline.",
}
COUNTRY = re.compile(r"[A-Za-z]{2}")
LANGUAGE = re.compile(r"[a-z]{2}")


class Fields:
    """The cleaned values and the errors of one submission."""

    def __init__(self, data: dict):
        self.data = data
        self.errors: dict[str, tuple[str, dict]] = {}

    def fail(self, field: str, key: str, **params) -> None:
        """Note what is wrong with ``field`` (the first problem found is the one shown)."""
        self.errors.setdefault(field, (MESSAGES[key], params))

    def raw(self, field: str) -> str:
        value = self.data.get(field)
        return "" if value is None else str(value).strip()

    def text(self, field: str, limit: int, required: bool = False) -> str | None:
        value = self.raw(field)
        if required and not value:
            self.fail(field, "required")
        elif len(value) > limit:
            self.fail(field, "too_long", limit=limit)
        return value[:limit] or None

    def choice(self, field: str, choices: tuple[str, ...], default: str) -> str:
        value = self.raw(field) or default
        if value not in choices:
            self.fail(field, "choice")
            return default
        return value

    def country(self, field: str) -> str | None:
        value = self.raw(field)
        if value and not COUNTRY.fullmatch(value):
            self.fail(field, "country")
            return None
        return value.upper() or None

    def url(self, field: str) -> str | None:
        value = self.text(field, 1000)
        if value and not is_web_address(value):
            self.fail(field, "url_control" if CONTROL.search(value) else "url")
            return None
        return value

    def urls(self, field: str, limit: int = 20) -> list[str]:
        """One address a line (or a JSON list)."""
        value = self.data.get(field)
        items = value if isinstance(value, list) else str(value or "").splitlines()
        links = [str(item).strip()[:1000] for item in items if str(item).strip()][:limit]
        bad = [link for link in links if not is_web_address(link)]
        if bad:
            self.fail(field, "urls", value=bad[0])
        return [link for link in links if link not in bad]

    def languages(self, field: str) -> list[str]:
        """Language codes, separated by commas or spaces (or a JSON list)."""
        value = self.data.get(field)
        items = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value or ""))
        codes = [str(item).strip().lower() for item in items if str(item).strip()]
        bad = [code for code in codes if not LANGUAGE.fullmatch(code)]
        if bad:
            self.fail(field, "languages", value=", ".join(bad))
        return list(dict.fromkeys(code for code in codes if code not in bad))[:20]

    def whole_number(self, field: str) -> int | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        number = whole_number(value)
        if number is None or number >= 10**9:
            self.fail(field, "whole_number")
            return None
        return number

    def check(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)
