"""The register of crawl outcomes (crawler.reasons): the crawler gives no other, and README lists it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.reasons import CODES, UnknownReason, check_reason, is_registered, markdown

ROOT = Path(__file__).resolve().parents[2]
NOT_GIVEN_AS_A_REASON = {"stored", "pending", "in_flight"}  # no reason at all, or a URL's status
# Calls that take a reason code, and where: SkipError("robots"), frontier.finish(id, "skipped", "robots", ...)
# and a SkipError subclass's super().__init__("refused_address", ...).
REASON_ARGUMENT = {"SkipError": 0, "__init__": 0, "finish": 2, "skip_pending": 0, "_also_at": 3}


def _codes_in(node: ast.AST) -> set[str]:
    """The codes an expression may give: a string, either branch of ``a if c else b``, or f"http_{...}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body) | _codes_in(node.orelse)
    if isinstance(node, ast.JoinedStr) and node.values and getattr(node.values[0], "value", None) == "http_":
        return {"http_N"}
    return set()


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def reasons_given_by_the_crawler() -> dict[str, set[str]]:
    """Every reason code written in the crawler's sources -> the modules giving it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "crawler").glob("*.py")):
        if path.name == "reasons.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            codes = set()
            if isinstance(node, ast.Call):
                position = REASON_ARGUMENT.get(_called(node), None)
                if position is not None and len(node.args) > position:
                    codes |= _codes_in(node.args[position])
                codes |= {code for kw in node.keywords if kw.arg == "reason" for code in _codes_in(kw.value)}
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "reason" for t in node.targets):
                codes |= _codes_in(node.value)
            for code in codes:
                found.setdefault(code, set()).add(path.name)
    return found


def test_every_reason_the_crawler_gives_is_registered_and_every_registered_one_is_given():
    given = reasons_given_by_the_crawler()
    assert len(given) >= 25 and {"duplicate", "http_N", "not_modified", "too_deep", "bad_url"} <= set(given)
    assert {code: modules for code, modules in given.items() if code not in CODES} == {}
    assert CODES - NOT_GIVEN_AS_A_REASON - set(given) == set()


def test_readme_lists_the_registered_outcomes_as_the_register_prints_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- crawl outcomes: python -m crawler\.reasons --markdown -->\n(.*?)\n *<!-- end -->", readme,
                      re.S)
    assert block is not None, "README lost the crawl outcomes block"
    assert textwrap.dedent(block.group(1)) + "\n" == markdown()  # nested under a bullet: indented


def test_the_register_prints_itself_as_markdown():
    printed = subprocess.run([sys.executable, "-m", "crawler.reasons", "--markdown"], capture_output=True, text=True,
                             cwd=ROOT, check=True).stdout
    assert printed == markdown() and printed.count("\n- ") + 1 == len(CODES)
    assert "- `near_duplicate`: nearly the same text" in printed


def test_any_http_status_is_an_outcome_but_an_unknown_code_names_the_valid_ones():
    assert is_registered("http_404") and is_registered("http_503") and check_reason("robots") == "robots"
    with pytest.raises(UnknownReason) as caught:
        check_reason("robot")
    message = str(caught.value)
    assert "'robot'" in message and "did you mean robots" in message and "near_duplicate" in message
    assert not is_registered("http_abc") and not is_registered("Robots")
