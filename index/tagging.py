"""Theme tagging: the top-level concepts a document is about.

For now the themes a page declares (schema.org ``about``); the thesaurus
matcher adds the concepts whose labels occur in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.models import Document


@dataclass
class Tagger:
    """Gives a document its theme facet values."""

    @classmethod
    def default(cls) -> "Tagger":
        return cls()

    def themes(self, document: Document) -> list[str]:
        return sorted(set(document.themes or []))
