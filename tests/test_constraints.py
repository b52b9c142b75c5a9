"""constraints.txt pins the dependency set the suite passed with, and the Makefile installs through it."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(parts) == 2 for parts in pinned), "every line pins one version with =="
    names = [canonicalize_name(name) for name, _ in pinned]
    assert len(names) == len(set(names)), "each package is pinned once"
    return {canonicalize_name(name): number.strip() for name, number in pinned}


def declared(extras=("test", "bench")) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = [*project["dependencies"], *(text for extra in extras for text in project["optional-dependencies"][extra])]
    return [Requirement(text) for text in texts]


def test_every_declared_dependency_is_pinned_to_a_version_it_allows():
    pinned = pins()
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # not for this platform
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in constraints.txt (make constraints)"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (requirement, pinned[name])
    assert canonicalize_name("casebook") not in pinned  # the project itself is installed from the clone


def test_the_installed_dependencies_are_the_pinned_versions():
    pinned = pins()
    for requirement in declared(extras=("test",)):  # make test installs these; the bench extra is by hand
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            continue  # not for this platform
        assert installed == pinned[canonicalize_name(requirement.name)], requirement.name


def test_the_makefile_installs_through_the_constraints():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"\$\(BIN\)/pip install [^\n]*-e [^\n]*", makefile)
    assert installs and all("-c $(CONSTRAINTS)" in line for line in installs), installs
    assert "CONSTRAINTS = constraints.txt" in makefile
