"""Index exceptions: one root, subclasses a caller can act on."""


class SearchError(Exception):
    """Root of the index package's errors."""


class IndexBusy(SearchError):
    """Another process holds the index writer lock longer than we waited."""


class IndexMissing(SearchError):
    """No index has been built in this data folder yet."""


class IndexOutdated(IndexMissing):
    """The index was built with another schema (an older Casebook): it needs `kb index --rebuild`."""
