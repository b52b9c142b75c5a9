"""Crawler exceptions. A ``SkipError`` carries the reason a URL is not stored."""


class CrawlError(Exception):
    """Root of the crawler's errors."""


class SkipError(CrawlError):
    """A URL is not stored; ``reason`` is a short stable code (``robots``, ``http_404``...)."""

    def __init__(self, reason: str, detail: str = "", status: int | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status


class RefusedAddress(SkipError):
    """The URL points at a private, loopback or reserved address, or a bad scheme."""

    def __init__(self, detail: str):
        super().__init__("refused_address", detail)
