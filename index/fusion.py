"""Combining the lexical (BM25F) and the dense (meaning) rankings into one.

Neither may drag the other down. Equal reciprocal rank fusion did: across
languages, BM25 finds pages that only share a name or a number with the query,
and RRF ranks them beside the dense hits (recall@10 on English questions over
German paragraphs fell from 0.99 to 0.71). So the lexical score counts in full
only for documents in the query's language, where a shared word means a shared
topic; a document in another language keeps what it shares in meaning, plus a
small part of its lexical score (names and acronyms, "IRISbox", do travel).
Scores are put on one scale per query: BM25 divided by the best BM25 of the
query, the cosine measured from the dense floor up to the best cosine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.dense import DenseHits

# The dense share of the fused score, for a few keywords and for a question. Measured per query length,
# questions want more at every length (XQuAD-R es->es, nDCG@10 at 0.3 / 0.7: 3-4 words 0.699 / 0.778,
# 8-10 words 0.857 / 0.882; all 1,177 questions 0.838 / 0.865); keywords want less (the judged demo
# set's keyword queries, nl/en/fr/de: 0.601/0.631/0.635/0.687 at 0.3, 0.615/0.642/0.653/0.704 at 0.2,
# lexical alone 0.650/0.656/0.668/0.708). Keywords keep 0.2, not less: a translation found by meaning
# alone must still come before pages that share a word or two with the query in its own language.
DENSE_WEIGHT = 0.2
QUESTION_DENSE_WEIGHT = 0.7
# The share a document in another language keeps of its score for the query's words. Names and
# acronyms do travel ("IRISbox", "Decidim": judged set at 0.2 / 0.5 / 1.0, keywords: nl 0.591 / 0.615 /
# 0.626), but across languages a shared number or name alone says little (XQuAD-R es->el at dense
# weight 0.3: 0.691 / 0.504 / 0.349); at a question's weight it hardly matters (0.708 / 0.706 / 0.698).
OTHER_LANGUAGE_LEXICAL = 0.5


@dataclass(frozen=True)
class FusionPolicy:
    dense_weight: float = DENSE_WEIGHT
    question_weight: float = QUESTION_DENSE_WEIGHT
    other_language_lexical: float = OTHER_LANGUAGE_LEXICAL
    # "weighted"; or, kept for the ablation (bench/meaning.py): "rrf" (equal reciprocal rank fusion,
    # k=60) and "dense" (the dense ranking alone, lexical matches after it)
    method: str = "weighted"


def _normalised_lexical(lexical: list[tuple[int, float]]) -> dict[int, float]:
    if not lexical:
        return {}
    top = max(score for _, score in lexical) or 1.0
    return {docnum: score / top for docnum, score in lexical}


def _normalised_dense(dense: DenseHits | None, floor: float) -> dict[int, float]:
    if dense is None or not len(dense.docnums):
        return {}
    best = float(dense.scores[0])
    span = max(best - floor, 1e-6)
    return {int(d): max(0.0, (float(s) - floor) / span) for d, s in zip(dense.docnums, dense.scores)}


def _rrf(lexical: list[tuple[int, float]], dense: DenseHits | None, k: int = 60) -> dict[int, float]:
    fused: dict[int, float] = {}
    for rank, (docnum, _) in enumerate(lexical):
        fused[docnum] = fused.get(docnum, 0.0) + 1.0 / (k + rank + 1)
    if dense is not None:
        for rank, docnum in enumerate(dense.docnums.tolist()):
            fused[docnum] = fused.get(docnum, 0.0) + 1.0 / (k + rank + 1)
    return fused


def fuse(lexical: list[tuple[int, float]], dense: DenseHits | None, floor: float,
         query_lang: str | None, lang_of, policy: FusionPolicy = FusionPolicy(),
         plain: dict[int, float] | None = None, question: bool = False,
         prior: np.ndarray | None = None) -> list[tuple[int, float]]:
    """(document number, fused score), best first; ties in document order.

    ``lexical``: the lexical ranking's head; ``lang_of(docnum)``: a document's language;
    ``query_lang``: the query's language, None when unknown (lexical then counts in full);
    ``plain``: the documents' scores for the query's own words, without the thesaurus labels it
    was expanded with. A document in another language keeps its score for the labels in full (a
    concept named in its language is a real match) and a share of its score for the query's words.
    ``question``: the query is a question (index.meaning.is_question), which meaning weighs more.
    ``prior``: each document's prior by document number (index.scoring.priors), which the lexical
    scores hold already and the dense part is multiplied by: a hub page is close in meaning to
    every query about any of its items."""
    if policy.method == "rrf":
        return _ordered(_rrf(lexical, dense))
    if policy.method == "dense":
        fused = {d: 1.0 + s for d, s in _normalised_dense(dense, floor).items()}
        fused.update({d: s * 0.5 for d, s in _normalised_lexical(lexical).items() if d not in fused})
        return _ordered(fused)
    top = max((score for _, score in lexical), default=0.0) or 1.0
    lex = {docnum: score / top for docnum, score in lexical}
    den = _normalised_dense(dense, floor)
    w = (policy.question_weight if question else policy.dense_weight) if den else 0.0
    fused = {}
    for docnum in lex.keys() | den.keys():
        lexical_part = lex.get(docnum, 0.0)
        if query_lang and den and lang_of(docnum) not in (query_lang, None, "und"):
            words = min(lexical_part, (plain or {}).get(docnum, lexical_part * top) / top)
            lexical_part = lexical_part - words + policy.other_language_lexical * words
        dense_part = den.get(docnum, 0.0) * (prior[docnum] if prior is not None else 1.0)
        fused[docnum] = (1 - w) * lexical_part + w * dense_part
    return _ordered(fused)


def _ordered(fused: dict[int, float]) -> list[tuple[int, float]]:
    if not fused:
        return []
    docnums = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
    scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
    order = np.lexsort((docnums, -scores))
    return [(int(docnums[i]), float(scores[i])) for i in order]
