"""The Binder pins (what CI installs) must satisfy pyproject.toml's bounds, and be exact."""

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

ROOT = Path(__file__).resolve().parent.parent
PIN_FILES = [ROOT / "binder/requirements.txt", ROOT / "tests/requirements.txt"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins() -> dict[str, str]:
    pins = {}
    for path in PIN_FILES:
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line:
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!]+", line), (
                f"{path.name}: '{line}' is not an exact pin (name==version)"
            )
            name, version = line.split("==")
            assert canonical(name) not in pins, f"{name} is pinned twice"
            pins[canonical(name)] = version
    return pins


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    return reqs


def test_every_dependency_is_pinned_within_its_bounds():
    pins = read_pins()
    for req in requirements():
        name = canonical(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) has no exact pin in the pin files"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} does not satisfy pyproject.toml's '{req.specifier}'"
        )


def test_runtime_matches_the_pinned_python():
    runtime = (ROOT / "binder/runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(project["requires-python"]).contains("3.11")


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the pins are for Python 3.11")
def test_installed_environment_is_the_pinned_one():
    """What runs the tests is exactly the Binder environment (no drift from the pins)."""
    import importlib.metadata as md

    for name, version in read_pins().items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            pytest.fail(f"{name}=={version} is pinned but not installed: run `make setup`")
        assert installed == version, f"{name}: pinned {version}, installed {installed}"


def test_postbuild_installs_the_package():
    text = (ROOT / "binder/postBuild").read_text()
    assert "pip install" in text and "-e ." in text
