"""Curator forms: kb's field messages, translated, beside each field; save, or show the form again.

kb checks fields and names what is wrong with fixed English templates
(``kb.fields.MESSAGES``); they are listed here again so that ``pybabel extract``,
which reads webui only, puts them in the catalogues. A test checks the two lists agree.
"""

from __future__ import annotations

from flask import flash, redirect
from flask_babel import gettext, lazy_gettext

from kb.errors import FieldErrors
from webui.context import kb

CATALOGUED = (
    lazy_gettext("This field is required."),
    lazy_gettext("At most %(limit)d characters."),
    lazy_gettext("Choose one of the options offered."),
    lazy_gettext("A two-letter country code, such as BE or NL."),
    lazy_gettext("An address starting with http:// or https://."),
    lazy_gettext("An address without line breaks, tabs or other control characters."),
    lazy_gettext("Each line must be an address starting with http:// or https://: %(value)s"),
    lazy_gettext("A whole number, 0 or more (or empty for no limit)."),
    lazy_gettext("Two-letter language codes separated by commas, such as nl, fr: %(value)s"),
    lazy_gettext("Not in the thesaurus: %(value)s. Choose concepts from the list."),
    lazy_gettext("Choose an organisation from the list."),
    lazy_gettext("A date and time, such as 2030-09-21T09:00."),
    lazy_gettext("Needs a time-zone offset, such as +02:00."),
    lazy_gettext("Choose a time zone from the list."),
    lazy_gettext("The end is before the start."),
    lazy_gettext("The registration deadline is after the end of the event."),
    lazy_gettext("Choose a collection from the list."),
    lazy_gettext("A time of day, such as 09:30."),
    lazy_gettext("Choose one of the event's days."),
    lazy_gettext("Choose speakers from the list of profiles."),
    lazy_gettext("Each agenda item needs a title and a time as text, and speakers and documents as lists of numbers."),
    lazy_gettext("Document numbers separated by commas; these do not exist: %(value)s"),
    lazy_gettext("Say what the profile is published for."),
    lazy_gettext("A date, not in the future, such as 2030-03-01."),
    lazy_gettext("Choose a network or programme from the list."),
    lazy_gettext("Two-letter country codes separated by commas, such as BE, NL: %(value)s"),
    lazy_gettext("The opening date is after the deadline."),
)


def field_messages(error: FieldErrors) -> dict[str, str]:
    """Field name -> its message in the interface language."""
    return {field: gettext(text, **params) for field, (text, params) in error.errors.items()}


def form_values(form, names: tuple[str, ...]) -> dict:
    """The submitted values of ``names``; several values (ticked boxes) stay a list."""
    return {name: (form.getlist(name) if len(form.getlist(name)) > 1 else form.get(name)) for name in names
            if name in form}


def save_or_show(save, show_form, message: str, target):
    """Run ``save(db)`` in one transaction, then flash ``message`` and go to ``target(result)``.

    On FieldErrors nothing is stored and ``show_form(errors)`` shows the form again
    (status 422) with each message beside its field. 303 after success, so that
    reloading the next page does not post the form twice.
    """
    try:
        with kb().session() as db:
            result = save(db)
    except FieldErrors as exc:
        return show_form(field_messages(exc))
    flash(message)
    return redirect(target(result), code=303)
