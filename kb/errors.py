"""Exceptions of the knowledge base: one root, subclasses a caller can act on."""


class KbError(Exception):
    """Root of every error the knowledge base raises on purpose."""


class InputError(KbError):
    """Input a user gave (a file, a field, a flag) is invalid; the message says why."""


class StorageError(KbError):
    """The data folder or its database cannot be used (missing, read-only, corrupt)."""


class FieldErrors(InputError):
    """Fields of a form or request are invalid: ``errors`` maps each field to (message, params).

    Messages are fixed English templates with ``%(name)s`` parameters, so a web form
    can show each one, translated, beside its field; ``str()`` reads them in English.
    """

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {text % params}" for field, (text, params) in self.errors.items()))
