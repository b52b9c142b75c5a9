"""Theme tagging: the top-level concepts a document is about.

A document gets the themes its page declares (schema.org ``about``) and the
top-level concepts above every thesaurus concept whose label occurs in its
title or text, matched on analysed terms in the document's own language (the
thesaurus lists the English terms a language borrows, "smart city" in Dutch,
as labels of that language). Pages in a language without labels are matched
against the English labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.concepts import LabelIndex, default_labels
from kb.models import Document

TAGGED_CHARS = 30_000  # the head of a long report says what it is about; the rest costs time
FALLBACK = "en"


@dataclass(frozen=True)
class Tagger:
    """Gives a document its theme facet values."""

    labels: LabelIndex | None = None

    @classmethod
    def default(cls) -> "Tagger":
        return cls(default_labels())

    def concepts(self, title: str, text: str, lang: str | None) -> set[str]:
        """Ids of the concepts whose labels occur in the title or the head of the text."""
        if self.labels is None:
            return set()
        if lang not in self.labels.languages():
            lang = FALLBACK  # a language the thesaurus lacks: English terms are what such pages borrow
        return set(self.labels.concepts_in_text(f"{title}\n{text[:TAGGED_CHARS]}", lang))

    def themes(self, document: Document) -> list[str]:
        lang = (document.lang or "").lower() or None
        concepts = self.concepts(document.title or "", document.text or "", lang)
        declared = set(document.themes or [])
        return sorted(declared | (self.labels.themes(concepts) if self.labels else set()))
