"""Thesaurus labels found in analysed text: the shared core of tagging and query expansion.

Every label of the thesaurus is analysed by the analyser of its language
(stopwords dropped, stemmed, accents folded), so "villes intelligentes" in a
text or a query finds the label "ville intelligente", and a multi-word label
("digitaal loket", "participatory budgeting") only matches as a whole sequence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from index.analysis import analyze

LabelTokens = tuple[str, ...]


@dataclass(frozen=True)
class LabelIndex:
    """Analysed labels: language -> first term -> [(terms, concept ids)] for matching,
    with stopwords kept; concept -> [(language, terms)] as the fields index them."""

    by_language: Mapping[str, Mapping[str, tuple[tuple[LabelTokens, frozenset[str]], ...]]]
    by_concept: Mapping[str, tuple[tuple[str, LabelTokens], ...]]
    thesaurus: object

    @classmethod
    def build(cls, thesaurus) -> "LabelIndex":
        index: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        by_concept: dict[str, list] = defaultdict(list)
        for lang, labels in thesaurus.labels_by_language().items():
            for label, ids in labels.items():
                words = tuple(analyze(label, lang, keep_stopwords=True))
                if not words:
                    continue
                index[lang][words[0]].append((words, frozenset(ids)))
                terms = tuple(analyze(label, lang))
                if not terms or (len(terms) == 1 < len(words)):
                    continue  # "Mijn Gemeente" searched as "gemeente" would name every municipality
                for concept_id in ids:
                    if (lang, terms) not in by_concept[concept_id]:
                        by_concept[concept_id].append((lang, terms))
        frozen = {lang: {first: tuple(entries) for first, entries in firsts.items()}
                  for lang, firsts in index.items()}
        return cls(frozen, {k: tuple(v) for k, v in by_concept.items()}, thesaurus)

    def languages(self) -> tuple[str, ...]:
        return tuple(self.by_language)

    def concepts_in(self, terms: list[str], lang: str) -> Counter:
        """Concept id -> how often one of its ``lang`` labels occurs in ``terms``
        (analysed with stopwords kept)."""
        firsts = self.by_language.get(lang)
        found: Counter = Counter()
        if not firsts:
            return found
        for position, term in enumerate(terms):
            for label_terms, ids in firsts.get(term, ()):
                if tuple(terms[position:position + len(label_terms)]) == label_terms:
                    found.update(ids)
        return found

    def concepts_in_text(self, text: str, lang: str) -> Counter:
        return self.concepts_in(analyze(text, lang, keep_stopwords=True), lang)

    def labels(self, concept_id: str) -> list[tuple[str, LabelTokens]]:
        """(language, analysed terms) of every label of a concept, without repeats."""
        return list(self.by_concept.get(concept_id, ()))

    def themes(self, concept_ids) -> set[str]:
        """The top-level concepts (theme facet values) above the given concepts."""
        themes: set[str] = set()
        for concept_id in concept_ids:
            themes |= self.thesaurus.top_ancestors(concept_id)
        return themes


@lru_cache(maxsize=1)
def default_labels() -> LabelIndex:
    """The label index of the bundled thesaurus (built once per process)."""
    from kb.thesaurus import load_thesaurus

    return LabelIndex.build(load_thesaurus())
