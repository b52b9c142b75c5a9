"""Quality gates of search by meaning, on real parallel material (../shared/data).

XQuAD-R: each sentence is a document indexed through Casebook's own index code
(language fields and passage vectors), each question searched through
``run_search`` as a user types it, with the default fusion. Spanish over Spanish
is compared with plain BM25 as SOURCE.txt defines it, in the same test; Spanish
over Greek and Greek over Spanish have no lexical baseline worth the name.
The first QUESTIONS questions of each pair are asked (the whole corpus is
indexed): the full 1,190 are in ``python -m bench.meaning``.

site-belgif: each English page's heading finds its Dutch, French and German
versions among the site's twelve pages, by meaning.
"""

from __future__ import annotations

import pytest

from bench.meaning import build_collection, ndcg10, plain_bm25, run, xquad
from index.build import write_documents
from index.embedding import EmbedderMissing, load_embedder
from index.fusion import FusionPolicy
from index.meaning import Meaning
from index.query import SearchRequest, run_search
from index.vectors import DocumentText, write_all
from kb.models import Document
from tests.conftest import shared_data

QUESTIONS = 400
# Floors pinned a little below the figures measured (see the commit message and README).
# Measured on all 1,190 questions (bench.meaning), questions fused at dense weight 0.7: es->es 0.865
# against plain BM25's 0.784 (1.10x), es->el 0.705, el->es 0.722 (lexical alone: 0.134, 0.167); stop 15's
# fusion (0.3): 0.838, 0.691, 0.718. The 1.15x is not reached (README).
SAME_LANGUAGE_RATIO = 1.06  # es->es over plain BM25
CROSS_LANGUAGE_FLOOR = 0.65  # es->el and el->es


@pytest.fixture(scope="module")
def embedder():
    try:
        return load_embedder("auto")
    except EmbedderMissing as exc:
        pytest.skip(f"no embedding model here: {exc}")


@pytest.fixture(scope="module")
def xquad_sets(tmp_path_factory, embedder):
    data = shared_data("xquad-r-dev").parent
    sets = {lang: xquad(data, lang) for lang in ("es", "el")}
    folder = tmp_path_factory.mktemp("xquad")
    folders = {lang: build_collection(folder / lang, lang, sentences, embedder)
               for lang, (sentences, _) in sets.items()}
    return sets, folders, folder


def _pair(xquad_sets, embedder, q_lang: str, d_lang: str):
    sets, folders, work = xquad_sets
    asked = [(qid, text) for qid, (text, _) in list(sets[q_lang][1].items())[:QUESTIONS]]
    relevant = {qid: sets[d_lang][1][qid][1] for qid, _ in asked}
    fused = ndcg10(run(folders[d_lang], asked, embedder, FusionPolicy()), relevant)
    lexical = ndcg10(run(folders[d_lang], asked, embedder, None), relevant)
    plain = ndcg10(plain_bm25(work / f"plain-{q_lang}-{d_lang}", sets[d_lang][0], asked), relevant)
    print(f"\nXQuAD-R {q_lang}->{d_lang} ({len(asked)} questions): nDCG@10 with meaning {fused:.3f}, "
          f"Casebook lexical {lexical:.3f}, plain BM25 {plain:.3f}")
    return fused, lexical, plain


@pytest.mark.slow
def test_spanish_questions_over_spanish_sentences_beat_plain_bm25(xquad_sets, embedder):
    fused, lexical, plain = _pair(xquad_sets, embedder, "es", "es")
    assert fused >= SAME_LANGUAGE_RATIO * plain and fused > lexical


@pytest.mark.slow
@pytest.mark.parametrize("q_lang, d_lang", [("es", "el"), ("el", "es")])
def test_questions_find_their_sentence_in_the_other_language(xquad_sets, embedder, q_lang, d_lang):
    fused, lexical, _plain = _pair(xquad_sets, embedder, q_lang, d_lang)
    assert fused >= CROSS_LANGUAGE_FLOOR and fused > 2 * lexical


def _belgif_page(lang: str, page: str, doc_id: int) -> tuple[Document, str]:
    from crawler.extract import extract_html

    html = shared_data("site-belgif", lang, f"{page}.html").read_text(encoding="utf-8")
    url = f"http://belgif.test/{lang}/{page}.html"
    extracted = extract_html(html, url)
    heading = next(h for h in extracted.meta.get("headings", []) if h not in ("Belgif",) and "Interoperability"
                   not in h and "Interopérabilité" not in h and "Interoperabiliteits" not in h
                   and "Interoperabilitäts" not in h)
    document = Document(id=doc_id, url=url, title=extracted.title, text=extracted.text, lang=lang,
                        doc_type="document", themes=[], also_at=[], meta={"headings": extracted.meta.get("headings")})
    return document, heading


def test_an_english_page_heading_finds_its_dutch_french_and_german_versions(tmp_path, embedder):
    pages = ("index", "conditions", "privacy")
    documents, headings = [], {}
    for lang in ("nl", "fr", "de", "en"):
        for page in pages:
            document, heading = _belgif_page(lang, page, len(documents) + 1)
            documents.append(document)
            headings[(lang, page)] = heading
    folder = tmp_path / "belgif"
    write_documents(folder, documents)
    write_all(folder, embedder, (DocumentText(d.id, d.title, "", d.text) for d in documents))
    meaning = Meaning(embedder, folder)
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        for page in pages:
            response = run_search(searcher, SearchRequest(q=headings[("en", page)], per_page=10, collapse=False),
                                  meaning)
            found = [hit["url"] for hit in response.hits]
            for lang in ("nl", "fr", "de"):
                assert f"http://belgif.test/{lang}/{page}.html" in found, (page, lang, found)
