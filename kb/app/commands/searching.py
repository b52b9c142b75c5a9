"""`kb index` and `kb search`: build the index and query it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.app.group import UserError, as_background_work, cli, emit, open_data, settings_of
from kb.app.wiring import (build_index, check_index, facet_names, index_report, rebuild_vectors, search, sync_index,
                           vector_problems)


@cli.command(name="index")
@click.option("--rebuild", is_flag=True, help="Rebuild from scratch into a new folder and swap it in atomically.")
@click.option("--check", is_flag=True,
              help="Report documents missing from the index and vice versa, and the passage vectors' state.")
@click.option("--vectors", is_flag=True,
              help="Rebuild the passage vectors only (after the embedding model changed); Whoosh is left as it is.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder to publish the index generations in (default: the index_dir setting, else index/ "
                   "in the data folder), such as one shared by several `kb serve` nodes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def index_command(ctx, rebuild: bool, check: bool, vectors: bool, index_dir: Path | None, as_json: bool):
    """Build the search index from the knowledge base.

    Without flags, builds it when missing (or built by another version) and
    otherwise brings it up to date: what changed since it last looked is
    written again, what the knowledge base no longer holds is dropped. A
    rebuild publishes a new generation: web nodes reading the folder move to
    it at their next search.
    """
    kb = open_data(ctx, index_dir=index_dir)
    as_background_work(kb.settings)
    if check:
        report = check_index(kb)
        emit(report, as_json, _print_check)
        if report["missing_from_index"] or report["not_in_kb"] or vector_problems(report["vectors"]):
            sys.exit(1)
        return
    if vectors:
        with click.progressbar(length=check_index(kb)["documents"], label="Embedding passages", file=sys.stderr,
                               hidden=as_json or not sys.stderr.isatty()) as bar:
            passages = rebuild_vectors(kb, progress=bar.update)
        emit({"passages_embedded": passages}, as_json,
             lambda r: click.echo(f"embedded {r['passages_embedded']} passages"))
        return
    if rebuild or index_report(kb) is None:
        count = _build(kb, as_json)
    else:
        sync_index(kb)
        count = check_index(kb)["indexed"]
    emit({"indexed": count}, as_json, lambda r: click.echo(f"indexed {r['indexed']} documents"))


def _print_check(report: dict) -> None:
    click.echo(f"{report['documents']} documents, {report['indexed']} indexed; missing from index: "
               f"{len(report['missing_from_index'])}; not in kb: {len(report['not_in_kb'])}")
    vectors = report["vectors"]
    if vectors.get("model"):
        click.echo(f"passage vectors: {vectors['passages']} passages of {vectors['documents']} documents, "
                   f"built by {vectors['model']}")
        ann = vectors.get("ann") or {}
        click.echo(f"  searched through a quantiser of {ann['cells']} cells" if ann.get("search") == "ivf" else
                   f"  searched exactly (through a quantiser from {ann.get('probe_from_passages')} passages)")
    for problem in vector_problems(vectors):
        click.echo(f"  {problem}")


def _build(kb, as_json):
    from sqlalchemy import func, select

    from kb.models import Document

    with kb.session() as session:
        total = session.scalar(select(func.count()).select_from(Document))
    with click.progressbar(length=total, label="Indexing", file=sys.stderr,
                           hidden=as_json or not sys.stderr.isatty()) as bar:
        return build_index(kb, progress=bar.update)


def parse_filters(pairs) -> dict[str, list[str]]:
    facets = facet_names()
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value or name not in facets:
            raise UserError(f"--filter {pair!r}: use FIELD=VALUE with FIELD one of {', '.join(facets)}")
        filters.setdefault(name, []).append(value)
    return filters


def print_results(data: dict) -> None:
    import html
    import re

    if data.get("message"):
        click.echo(f"Note: {data['message']}")
    click.echo(f"{data['total']} results (page {data['page']})")
    for hit in data["hits"]:
        click.echo(f"\n[{hit['lang']}] {hit['title']}  ({hit['type']}, score {hit['score']})\n  {hit['url']}")
        click.echo("  " + html.unescape(re.sub(r"</?mark[^>]*>", "*", hit["snippet"]))[:300])
    if data.get("suggestion"):
        click.echo(f"\nDid you mean: {data['suggestion']}")
    for name, counts in data["facets"].items():
        if counts:
            click.echo(f"\n{name}: " + ", ".join(f"{k} ({v})" for k, v in list(counts.items())[:10]))


@cli.command(name="search")
@click.argument("query")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Keep results with this facet value (repeat; OR within a field, AND across fields).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Results per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page of results.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (as GET /api/search).")
@click.pass_context
def search_command(ctx, query, filters, limit, page, sort, as_json):
    """Search the index in every language at once; facet counts included."""
    settings = settings_of(ctx)  # searching needs the index only: it works on a full or read-only disk too
    if not settings.data_dir.is_dir():
        raise UserError(f"no knowledge base at {settings.data_dir} (run `kb crawl` or `kb import` first)")
    response = search(settings, query, parse_filters(filters), page=page, per_page=limit, sort=sort)
    emit(response, as_json, print_results)
