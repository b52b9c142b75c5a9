"""The `kb` console script (pyproject's ``kb = "kb.cli:main"``, and ``python -m kb.cli``).

Casebook's composition root is kb/app/: the command group, the commands, the wiring to the
crawler, the index and the web UI, and the worker's pipeline. This module only names its
entry point and the wiring functions that scripts and tests call directly.
"""

from __future__ import annotations

from kb.app.group import as_background_work
from kb.app.main import cli, main
from kb.app.wiring import build_index, crawl_settings, crawl_sources, propose_cases, sync_index

__all__ = ["as_background_work", "build_index", "cli", "crawl_settings", "crawl_sources", "main", "propose_cases",
           "sync_index"]

if __name__ == "__main__":
    main()
