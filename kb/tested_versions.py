"""The version check each adapter of a library's internals runs at import.

index/whoosh_internals.py and kb/langdetect_internals.py read private parts of Whoosh and
langdetect, which change between releases without notice. Each refuses to import under a
version outside the range its contract tests passed with, and says which range that was, what
to install and which tests to run to widen it. That check and its message are written here once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SupportedVersions:
    library: str  # as the library names itself: "Whoosh"
    distribution: str  # what to install: "Whoosh-Reloaded"
    low: tuple[int, ...]  # lowest and highest version tested, inclusive
    high: tuple[int, ...]
    adapter: str  # the module reading the internals
    contract: str  # the tests that must pass before the range widens

    def check(self, found: str | tuple, error: type[Exception]) -> None:
        """Raises ``error`` when ``found`` (a version string or tuple) is outside [low, high]."""
        if not self.low <= version_parts(found) <= self.high:
            shown = dotted(found) if isinstance(found, tuple) else found
            raise error(
                f"{self.library} {shown} is installed, but {self.adapter} relies on {self.library} internals "
                f"tested only with {self.distribution} {dotted(self.low)} to {dotted(self.high)}: install "
                f"{self.distribution}=={dotted(self.high)}, or make {self.contract} pass on {shown} "
                f"and widen TESTED_VERSIONS")


def version_parts(found: str | tuple) -> tuple[int, ...]:
    """The first three parts of a version as numbers; a part that is not one ("9a1", a
    pre-release) counts as -1, below every release, so that it is refused too."""
    parts = found.split(".") if isinstance(found, str) else found
    return tuple(part if isinstance(part, int) else int(part) if part.isdigit() else -1 for part in parts[:3])


def dotted(version: tuple) -> str:
    return ".".join(map(str, version))
