"""The import rules of STYLE.md, and that only the two adapters reach into Whoosh and langdetect, checked with ast."""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib.util
import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kb", "crawler", "index", "webui")
FORBIDDEN = {
    "kb": {"crawler", "index", "webui"},
    "crawler": {"index", "webui"},
    "index": {"crawler", "webui"},
    "webui": {"crawler"},
}
COMPOSITION_ROOT = Path("kb", "app")  # the one room that may import crawler, index and webui (inside functions)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def violations() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if COMPOSITION_ROOT in relative.parents:
                continue  # the composition root may import everything (inside functions)
            for bad in imported_packages(path) & FORBIDDEN[package]:
                found.append(f"{relative} imports {bad}")
    return found


def test_packages_respect_the_import_rules_of_the_house_style():
    assert violations() == []


def test_the_rule_checker_catches_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import index.query\nfrom webui import create_app\n", encoding="utf-8")
    assert imported_packages(module) >= {"index", "webui"}


def test_the_composition_root_imports_the_other_packages_only_inside_functions():
    for path in (ROOT / COMPOSITION_ROOT).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                top_level.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                top_level.add(node.module.split(".")[0])
        assert top_level & {"crawler", "index", "webui"} == set(), path
    wiring = ROOT / COMPOSITION_ROOT / "wiring.py"
    assert imported_packages(wiring) >= {"crawler", "index", "webui"}  # it does wire them


def test_the_commands_and_the_worker_reach_the_other_packages_only_through_the_wiring():
    room = ROOT / COMPOSITION_ROOT
    for path in [*(room / "commands").rglob("*.py"), room / "worker.py", room / "main.py", room / "group.py"]:
        assert imported_packages(path) & {"crawler", "index", "webui"} == set(), path
    assert imported_packages(ROOT / "kb" / "cli.py") & {"crawler", "index", "webui"} == set()  # the console script


# Library internals: only the adapters name the private parts of Whoosh and langdetect.
# The crawler's rooms: workers visit and say what came of it, one loop records. Nothing a worker runs
# may write to the knowledge base, and the loop writes only through the recorder.
CRAWLER_ROOMS = {
    Path("crawler", "visit.py"): {"crawler.record", "crawler.crawl"},
    Path("crawler", "outcomes.py"): {"crawler.record", "crawler.crawl", "crawler.visit", "crawler.store",
                                     "crawler.database", "sqlalchemy"},
    Path("crawler", "crawl.py"): {"crawler.store"},
    Path("crawler", "reasons.py"): {"crawler.crawl", "crawler.record", "crawler.visit", "kb", "sqlalchemy"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, with each of its parents (``a.b.c`` gives ``a``, ``a.b``, ``a.b.c``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {".".join(name.split(".")[:n]) for name in names for n in range(1, name.count(".") + 2)}


def test_crawl_workers_never_record_and_the_loop_records_only_through_the_recorder():
    broken = {str(path): sorted(imported_modules(ROOT / path) & forbidden) for path, forbidden in CRAWLER_ROOMS.items()}
    assert {path: names for path, names in broken.items() if names} == {}
    assert "crawler.record" in imported_modules(ROOT / "crawler" / "crawl.py")  # the rule is about a real room


LIBRARIES = ("whoosh", "langdetect")
ADAPTERS = {Path("index", "whoosh_internals.py"), Path("kb", "langdetect_internals.py")}
SCANNED = (*PACKAGES, "bench")


@functools.cache
def library_private_names(library: str) -> frozenset[str]:
    """Every single-underscore name the installed ``library`` defines or uses as an attribute."""
    spec = importlib.util.find_spec(library)
    names = set()
    for path in Path(spec.origin).parent.rglob("*.py"):
        with warnings.catch_warnings():  # Whoosh's own source holds invalid escapes ("\g<1>")
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(name for name in names if name.startswith("_") and not name.startswith("__"))


def _is_library(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in LIBRARIES


def private_touches(source: str, private: frozenset[str]) -> list[str]:
    """Where ``source`` touches a private name of the libraries: importing one, reading one off an
    object (``searcher._ix``, ``getattr(m, "_ids")``), or, in a class derived from a library class,
    overriding or calling one on ``self``. ``self._x`` in a class of our own is ours, not theirs."""
    tree = ast.parse(source)
    found, from_library = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_library(node.module):
            for alias in node.names:
                from_library.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"line {node.lineno}: imports {alias.name} from {node.module}")
        elif isinstance(node, ast.Import):
            from_library.update((alias.asname or alias.name).split(".")[0]
                                for alias in node.names if _is_library(alias.name))
    derived = set()  # classes of the module derived from a library class, directly or through another
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
                isinstance(root := _root(base), ast.Name) and root.id in from_library | derived for base in node.bases):
            derived.add(node.name)

    def visit(node, in_derived: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name in derived)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and in_derived and child.name in private:
                found.append(f"line {child.lineno}: overrides {child.name}")
            elif isinstance(child, ast.Attribute) and child.attr in private:
                owner = child.value
                on_self = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                if in_derived or not on_self:
                    found.append(f"line {child.lineno}: {ast.unparse(child)}")
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                  and child.func.id in ("getattr", "hasattr", "setattr", "delattr")
                  and any(isinstance(arg, ast.Constant) and arg.value in private for arg in child.args[1:2])):
                found.append(f"line {child.lineno}: {ast.unparse(child)}")
            visit(child, in_derived)

    visit(tree, False)
    return found


def _root(expression):
    while isinstance(expression, (ast.Attribute, ast.Subscript, ast.Call)):
        expression = expression.value if not isinstance(expression, ast.Call) else expression.func
    return expression


def private_library_touches(skip=ADAPTERS) -> dict[str, list[str]]:
    private = library_private_names("whoosh") | library_private_names("langdetect")
    touches = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative not in skip:
                found = private_touches(path.read_text(encoding="utf-8"), private)
                if found:
                    touches[str(relative)] = found
    return touches


def test_only_the_adapters_touch_private_parts_of_whoosh_and_langdetect():
    assert private_library_touches() == {}


def test_the_adapters_are_where_the_private_parts_are_touched():
    touches = private_library_touches(skip=set())
    assert set(touches) == {str(adapter) for adapter in ADAPTERS}
    assert len(touches["index/whoosh_internals.py"]) >= 15 and len(touches["kb/langdetect_internals.py"]) >= 4


def test_the_private_name_check_catches_each_way_of_reaching_in():
    private = library_private_names("whoosh") | library_private_names("langdetect")
    assert {"_btexts", "_ix", "_read_toc", "_field_B", "_detect_block", "_init_probability"} <= private
    planted = '''
from whoosh.codec.whoosh3 import _lenfield
from langdetect.detector import Detector as Base
import whoosh.searching


def version(searcher, matcher):
    ids = getattr(matcher, "_ids")
    return searcher._ix.storage, ids


class Faster(Base):
    def _detect_block(self):
        return self._init_probability()


class Fastest(Faster):
    def _extract_ngrams(self):
        return []


class Wrapped(whoosh.searching.Searcher):
    def toc(self):
        return self._ix._read_toc()


class Ours:
    def __init__(self, row):
        self._lock = None
        self._read_toc = row._asdict()
'''
    found = private_touches(planted, private)
    assert [line.split(":")[0] for line in found] == [
        "line 2", "line 8", "line 9", "line 13", "line 14", "line 18", "line 24", "line 24"], found
    assert any("imports _lenfield" in line for line in found) and any("searcher._ix" in line for line in found)


# The index answers the web UI in codes (index.problems) and names its fields in one place (index.schema).
QUERY_SYNTAX = {"parse_query", "syntax_problems", "plain_words", "date_range"}
FIELD_NAME = re.compile(r"""f["'](?:title|headings|body)_\{""")


def names_imported_from(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.level == 0 and (node.module or "").split(".")[0] == package for alias in node.names}


def test_the_web_ui_reads_the_index_problem_codes_and_never_reads_a_query_itself():
    readers = {str(path.relative_to(ROOT)): sorted(names_imported_from(path, "index") & QUERY_SYNTAX)
               for path in (ROOT / "webui").rglob("*.py")}
    assert {path: names for path, names in readers.items() if names} == {}
    assert "SHORT_WILDCARD" in names_imported_from(ROOT / "webui" / "search.py", "index")  # a real reader
    assert imported_modules(ROOT / "index" / "problems.py") <= {"__future__", "re", "dataclasses"}


def test_only_the_schema_names_the_language_fields():
    builders = {path.relative_to(ROOT) for package in ("index", "webui") for path in (ROOT / package).rglob("*.py")
                if FIELD_NAME.search(path.read_text(encoding="utf-8"))}
    assert builders == set()  # they ask index.schema.text_field
    assert FIELD_NAME.search('return f"body_{lang}" if lang in STEMMED_LANGUAGES else "body"')  # the check sees one


# Import cycles inside a package, imports within functions counted: one module of a cycle cannot be read,
# tested or moved without the others. The last ones (kb.events <-> kb.people; webui.cases -> webui.search ->
# webui.home -> webui.cases) were broken by kb.erasure and webui.context.visible_case_states.


def module_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, anywhere in its source (not the package itself)."""
    modules = {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
               for path in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = {module for module in imported_modules(path) if module in modules}
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imported |= {f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                     for alias in node.names if f"{node.module}.{alias.name}" in modules}  # from kb.app import x
        graph[name] = imported - {name, package}
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    order, low, stack, found, counter = {}, {}, [], set(), [0]

    def visit(node):
        order[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        for other in graph[node]:
            if other not in order:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], order[other])
        if low[node] == order[node]:
            group = set()
            while not group or node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.add(frozenset(group))

    for node in graph:
        if node not in order:
            visit(node)
    return found


def test_no_package_has_an_import_cycle():
    assert set().union(*(cycles(module_graph(package)) for package in PACKAGES)) == set()


def test_the_cycle_finder_finds_a_cycle_of_three():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}) == {frozenset({"a", "b", "c"})}


# The tables in one place: every ORM class is declared in kb.models, so importing it alone makes the
# metadata whole (storage creates a schema from it, Alembic compares it with the migrations) and no
# module has to import another only for the side effect of registering its tables.
TABLES_MODULE = Path("kb", "models.py")
SIDE_EFFECT_IMPORT = re.compile(r"^\s*(?:from kb\b[\w.]* import|import kb\b)[^#\n]*#\s*noqa:\s*F401", re.M)


def table_classes(path: Path) -> list[str]:
    """The classes of ``path`` that declare a table: a ``__tablename__`` or ``__table__`` in their body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and any(
        isinstance(target, ast.Name) and target.id in ("__tablename__", "__table__")
        for statement in node.body if isinstance(statement, (ast.Assign, ast.AnnAssign))
        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target]))]


def test_every_table_is_declared_in_kb_models():
    elsewhere = {str(path.relative_to(ROOT)): table_classes(path) for package in (*PACKAGES, "bench")
                 for path in (ROOT / package).rglob("*.py") if path.relative_to(ROOT) != TABLES_MODULE}
    assert {path: names for path, names in elsewhere.items() if names} == {}
    assert {"Source", "Document", "Organisation", "Event", "Call"} <= set(table_classes(ROOT / TABLES_MODULE))


def tables_imported_elsewhere(path: Path, tables: set[str]) -> list[str]:
    """``module.Name`` for each table class ``path`` imports from a kb module other than kb.models."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.level == 0 and (node.module or "").split(".")[0] == "kb" and node.module != "kb.models"
            for alias in node.names if alias.name in tables]


def test_table_classes_are_imported_from_kb_models_alone(tmp_path):
    tables = set(table_classes(ROOT / TABLES_MODULE))
    sample = tmp_path / "sample.py"
    sample.write_text("from kb.models import Source\nfrom kb.events import Event, register\n", encoding="utf-8")
    assert tables_imported_elsewhere(sample, tables) == ["kb.events.Event"]
    found = {str(path.relative_to(ROOT)): tables_imported_elsewhere(path, tables)
             for package in (*PACKAGES, "bench", "tests") for path in (ROOT / package).rglob("*.py")}
    assert {path: names for path, names in found.items() if names} == {}


def test_no_module_imports_a_kb_module_only_for_its_side_effects():
    found = [str(path.relative_to(ROOT)) for package in (*PACKAGES, "bench", "tests")
             for path in (ROOT / package).rglob("*.py") if SIDE_EFFECT_IMPORT.search(path.read_text(encoding="utf-8"))]
    assert found == []
    assert SIDE_EFFECT_IMPORT.search("from kb import calls, events  # noqa: F401  (their tables)\n")


def test_importing_kb_models_alone_gives_every_table_and_no_other_module_adds_one():
    # In a fresh interpreter: in this one, other tests have imported the domain modules already.
    script = """
import importlib, pkgutil, kb, kb.models
alone = sorted(kb.models.Base.metadata.tables)
for module in pkgutil.walk_packages(kb.__path__, "kb."):
    if not module.name.startswith("kb.migrations"):  # env.py runs the migrations when imported
        importlib.import_module(module.name)
print(alone == sorted(kb.models.Base.metadata.tables), len(alone))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    same, count = done.stdout.split()
    assert same == "True" and int(count) >= 20, done.stdout


# Web errors carry their HTTP status and one handler (webui.errors) renders them as HTML or JSON:
# a view raises (abort, Refused) and never writes an error body of its own.
ERRORS_MODULE = Path("webui", "errors.py")


def error_bodies(source: str) -> list[int]:
    """The lines of ``source`` that jsonify a dict with an error's keys ("error", or "status" and "message")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "jsonify":
            for argument in node.args:
                if isinstance(argument, ast.Dict):
                    keys = {key.value for key in argument.keys if isinstance(key, ast.Constant)}
                    if "error" in keys or {"status", "message"} <= keys:
                        found.append(node.lineno)
    return found


def test_web_views_raise_their_errors_for_the_one_handler_to_render():
    bodies = {str(path.relative_to(ROOT)): error_bodies(path.read_text(encoding="utf-8"))
              for path in (ROOT / "webui").rglob("*.py") if path.relative_to(ROOT) != ERRORS_MODULE}
    assert {path: lines for path, lines in bodies.items() if lines} == {}
    assert error_bodies((ROOT / ERRORS_MODULE).read_text(encoding="utf-8")) != []  # the handler writes its 500
    planted = 'return jsonify({"status": 409, "error": "Conflict", "message": m}), 409\n'
    assert error_bodies(planted) == [1]


# Build-time tools stay out of what is installed: the demo site's builder (tests/demo_site_builder.py,
# `make demo-site`) and the benchmarks. `kb demo` serves kb/demo/site/ as committed and generates nothing.
BUILD_TIME = ("tests", "bench")


def test_build_time_tools_are_neither_installed_nor_imported_by_the_runtime_packages():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    installed = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert [name for name in BUILD_TIME if any(fnmatch.fnmatch(name, pattern) for pattern in installed)] == []
    assert all(any(fnmatch.fnmatch(package, pattern) for pattern in installed) for package in PACKAGES)
    runtime = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    imports = [f"{path.relative_to(ROOT)} imports {bad}" for path in runtime
               for bad in sorted(imported_packages(path) & set(BUILD_TIME))]
    assert imports == []
    def writes_a_site(path: Path) -> bool:
        return "def write_site(" in path.read_text(encoding="utf-8")

    assert [str(path.relative_to(ROOT)) for path in runtime if writes_a_site(path)] == []
    assert writes_a_site(ROOT / "tests" / "demo_site_builder.py")  # the rule is about a real tool
