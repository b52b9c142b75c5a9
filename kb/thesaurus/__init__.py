"""The multilingual concept thesaurus of the field, read from SKOS-like YAML.

`concepts.yaml` beside this module holds the concepts of digital transformation
and urban development in European local government: each has an English
kebab-case id, a preferred label and alternative labels per language, and
broader links that end at the sixteen top-level concepts, which are the values
of the `theme` facet. This module owns reading that file and refusing a broken
one (`ThesaurusError` names the concept and the problem), and answers the
questions the indexer and the web UI ask: a concept's label in a language, its
themes, and which concepts a label names. Pure data: stdlib and PyYAML only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kb.errors import KbError

BUNDLED_FILE = "concepts.yaml"
REQUIRED_LANGUAGE = "en"
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
_CONCEPT_KEYS = frozenset({"id", "top", "broader", "labels"})
_LABEL_KEYS = frozenset({"pref", "alt"})


class ThesaurusError(KbError, ValueError):
    """A thesaurus file is invalid; the message names the concept and the problem."""


@dataclass(frozen=True)
class Concept:
    """One concept. `labels` maps a language to its labels, the preferred one first.

    `labels` is read-only (a mapping proxy): concepts are shared by every user
    of the cached bundled thesaurus.
    """

    id: str
    labels: Mapping[str, tuple[str, ...]] = field(hash=False)
    broader: tuple[str, ...] = ()
    narrower: tuple[str, ...] = ()
    top: bool = False


@dataclass(frozen=True, eq=False)
class Thesaurus:
    """Concepts by id, in file order; checked when built (see `ThesaurusError`)."""

    concepts: Mapping[str, Concept]
    _top_ancestors: Mapping[str, frozenset[str]] = field(init=False, repr=False)
    _labels_by_language: Mapping[str, Mapping[str, frozenset[str]]] = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        _check_concepts(self.concepts)
        object.__setattr__(self, "_top_ancestors", _top_ancestors_of(self.concepts))
        object.__setattr__(self, "_labels_by_language", _index_labels(self.concepts))

    def label(self, concept_id: str, lang: str, fallback: tuple[str, ...] = ("en",)) -> str:
        """The preferred label in `lang` ("nl-BE" tries "nl"), else in the first
        fallback language that has one, else in English."""
        concept = self._concept(concept_id)
        base = lang.split("-")[0].split("_")[0].lower()
        for code in (lang, base, *fallback, REQUIRED_LANGUAGE):
            labels = concept.labels.get(code)
            if labels:
                return labels[0]
        raise AssertionError("unreachable: every concept has an English label")

    def top_concepts(self) -> list[Concept]:
        """The top-level concepts (the theme facet values), in file order."""
        return [concept for concept in self.concepts.values() if concept.top]

    def top_ancestors(self, concept_id: str) -> frozenset[str]:
        """Ids of the top-level concepts reached through broader links; itself if top."""
        self._concept(concept_id)
        return self._top_ancestors[concept_id]

    def labels_by_language(self) -> Mapping[str, Mapping[str, frozenset[str]]]:
        """lang -> label (as written) -> ids of the concepts it names. Read-only."""
        return self._labels_by_language

    def languages(self) -> tuple[str, ...]:
        """The language codes that have at least one label, sorted."""
        return tuple(sorted(self._labels_by_language))

    def _concept(self, concept_id: str) -> Concept:
        try:
            return self.concepts[concept_id]
        except KeyError:
            raise KeyError(f"no concept {concept_id!r} in the thesaurus") from None


def load_thesaurus(path: str | Path | None = None) -> Thesaurus:
    """Read and check a thesaurus file; the bundled one (cached) when `path` is None."""
    if path is None:
        return _load_bundled()
    path = Path(path)
    return parse_thesaurus(path.read_text(encoding="utf-8"), source=str(path))


@functools.lru_cache(maxsize=1)
def _load_bundled() -> Thesaurus:
    text = resources.files(__name__).joinpath(BUNDLED_FILE).read_text(encoding="utf-8")
    return parse_thesaurus(text, source=BUNDLED_FILE)


def parse_thesaurus(text: str, source: str = "<string>") -> Thesaurus:
    """Build a thesaurus from YAML text; `source` names it in error messages."""
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ThesaurusError(f"{source}: not valid YAML: {exc}") from exc
    try:
        return _build(document)
    except ThesaurusError as exc:
        raise ThesaurusError(f"{source}: {exc}") from None


def _build(document: Any) -> Thesaurus:
    if not isinstance(document, dict) or not isinstance(document.get("concepts"), list):
        raise ThesaurusError("expected a mapping with a 'concepts' list")
    raw: dict[str, tuple[dict[str, tuple[str, ...]], tuple[str, ...], bool]] = {}
    for position, entry in enumerate(document["concepts"], start=1):
        concept_id, parsed = _parse_entry(entry, position)
        if concept_id in raw:
            raise ThesaurusError(f"concept {concept_id!r}: duplicate id")
        raw[concept_id] = parsed
    narrower: dict[str, list[str]] = {concept_id: [] for concept_id in raw}
    for concept_id, (_, broader, _) in raw.items():
        for parent in broader:
            narrower.setdefault(parent, []).append(concept_id)
    concepts = {
        concept_id: Concept(
            id=concept_id,
            labels=MappingProxyType(labels),
            broader=broader,
            narrower=tuple(narrower[concept_id]),
            top=top,
        )
        for concept_id, (labels, broader, top) in raw.items()
    }
    return Thesaurus(MappingProxyType(concepts))


def _parse_entry(entry: Any, position: int) -> tuple[str, tuple[Any, ...]]:
    if not isinstance(entry, dict):
        raise ThesaurusError(f"concept #{position}: expected a mapping")
    concept_id = entry.get("id")
    if not isinstance(concept_id, str) or not _ID_PATTERN.match(concept_id):
        raise ThesaurusError(f"concept #{position}: id {concept_id!r} is not kebab-case")
    where = f"concept {concept_id!r}"
    unknown = set(entry) - _CONCEPT_KEYS
    if unknown:
        raise ThesaurusError(f"{where}: unknown keys {sorted(unknown)}")
    top = entry.get("top", False)
    if not isinstance(top, bool):
        raise ThesaurusError(f"{where}: 'top' must be true or false")
    broader = entry.get("broader", [])
    if not isinstance(broader, list) or not all(isinstance(b, str) for b in broader):
        raise ThesaurusError(f"{where}: 'broader' must be a list of concept ids")
    if len(set(broader)) != len(broader):
        raise ThesaurusError(f"{where}: a broader concept is listed twice")
    labels = entry.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise ThesaurusError(f"{where}: 'labels' must map languages to labels")
    for lang in labels:
        if not isinstance(lang, str) or not _LANGUAGE_PATTERN.match(lang):
            raise ThesaurusError(f"{where}: {lang!r} is not a language code")
    parsed = {
        lang: _parse_labels(value, f"{where}, {lang!r} labels") for lang, value in labels.items()
    }
    return concept_id, (parsed, tuple(broader), top)


def _parse_labels(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, dict) or "pref" not in value or set(value) - _LABEL_KEYS:
        raise ThesaurusError(f"{where}: expected {{pref: ..., alt: [...]}}")
    alt = value.get("alt", [])
    if not isinstance(alt, list):
        raise ThesaurusError(f"{where}: 'alt' must be a list")
    labels = (value["pref"], *alt)
    seen: set[str] = set()
    for label in labels:
        # YAML turns some unquoted words into numbers or booleans: refuse them.
        if not isinstance(label, str) or not label.strip():
            raise ThesaurusError(f"{where}: label {label!r} is not text (quote it)")
        if label != label.strip():
            raise ThesaurusError(f"{where}: label {label!r} has surrounding spaces")
        if label.casefold() in seen:
            raise ThesaurusError(f"{where}: label {label!r} is given twice")
        seen.add(label.casefold())
    return labels


def _check_concepts(concepts: Mapping[str, Concept]) -> None:
    for concept_id, concept in concepts.items():
        where = f"concept {concept_id!r}"
        if not concept.labels.get(REQUIRED_LANGUAGE):
            raise ThesaurusError(f"{where}: missing {REQUIRED_LANGUAGE!r} label")
        for parent in concept.broader:
            if parent not in concepts:
                raise ThesaurusError(f"{where}: unknown broader concept {parent!r}")
        if concept.top and concept.broader:
            raise ThesaurusError(f"{where}: a top-level concept cannot have broader concepts")
        if not concept.top and not concept.broader:
            raise ThesaurusError(f"{where}: has no broader concept and is not top-level")


def _top_ancestors_of(concepts: Mapping[str, Concept]) -> Mapping[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}

    def visit(concept_id: str, path: list[str]) -> frozenset[str]:
        if concept_id in found:
            return found[concept_id]
        if concept_id in path:
            cycle = " -> ".join([*path[path.index(concept_id):], concept_id])
            raise ThesaurusError(f"concept {concept_id!r}: cycle in broader links: {cycle}")
        concept = concepts[concept_id]
        if concept.top:
            tops = frozenset({concept_id})
        else:
            path.append(concept_id)
            tops = frozenset().union(*(visit(parent, path) for parent in concept.broader))
            path.pop()
        found[concept_id] = tops
        return tops

    for concept_id in concepts:
        visit(concept_id, [])
    return MappingProxyType(found)


def _index_labels(concepts: Mapping[str, Concept]) -> Mapping[str, Mapping[str, frozenset[str]]]:
    index: dict[str, dict[str, set[str]]] = {}
    for concept in concepts.values():
        for lang, labels in concept.labels.items():
            for label in labels:
                index.setdefault(lang, {}).setdefault(label, set()).add(concept.id)
    return MappingProxyType(
        {
            lang: MappingProxyType({label: frozenset(ids) for label, ids in by_label.items()})
            for lang, by_label in index.items()
        }
    )
