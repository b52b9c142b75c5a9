"""Casebook's knowledge base: records, storage, settings, taxonomy and formats.

The package imports none of crawler, index or webui (only kb/app/, the composition root
with the `kb` command, may), so that every other package can build on it.
"""

__version__ = "0.1.0"
