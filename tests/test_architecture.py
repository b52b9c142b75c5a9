"""The import rules of STYLE.md, checked by reading every module's imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kb", "crawler", "index", "webui")
FORBIDDEN = {
    "kb": {"crawler", "index", "webui"},
    "crawler": {"index", "webui"},
    "index": {"crawler", "webui"},
    "webui": {"crawler"},
}
COMPOSITION_ROOT = Path("kb", "cli.py")


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
            if relative == COMPOSITION_ROOT:
                continue  # the one composition root may import everything (inside functions)
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
    tree = ast.parse((ROOT / COMPOSITION_ROOT).read_text(encoding="utf-8"))
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module.split(".")[0])
    assert top_level & {"crawler", "index", "webui"} == set()
    assert imported_packages(ROOT / COMPOSITION_ROOT) >= {"crawler", "index", "webui"}  # it does wire them


def test_the_command_modules_reach_the_other_packages_only_through_the_composition_root():
    for path in (ROOT / "kb" / "commands").rglob("*.py"):
        assert imported_packages(path) & {"crawler", "index", "webui"} == set(), path
