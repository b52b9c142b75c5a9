"""Exceptions of the knowledge base: one root, subclasses a caller can act on."""


class KbError(Exception):
    """Root of every error the knowledge base raises on purpose."""


class InputError(KbError):
    """Input a user gave (a file, a field, a flag) is invalid; the message says why."""


class StorageError(KbError):
    """The data folder or its database cannot be used (missing, read-only, corrupt)."""
