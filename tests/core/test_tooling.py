"""The development tooling: bounded dependencies, a current lock file, the pre-commit hooks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", re.MULTILINE)


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    texts = [*project["dependencies"], *project["optional-dependencies"]["dev"],
             *PYPROJECT["build-system"]["requires"]]
    return [Requirement(text) for text in texts]


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def test_every_dependency_has_an_upper_bound():
    unbounded = [str(requirement) for requirement in _declared()
                 if not any(spec.operator in {"<", "<=", "==", "~="}
                            for spec in requirement.specifier)]
    assert unbounded == []


def test_the_lock_files_pin_every_dependency_within_its_bounds():
    dev, main = _pins("dev.txt"), _pins("main.txt")
    runtime = PYPROJECT["project"]["dependencies"]
    tools = PYPROJECT["project"]["optional-dependencies"]["dev"]
    for lock, texts in ((main, runtime), (dev, [*runtime, *tools])):
        for requirement in map(Requirement, texts):
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is not locked: run make lock"
            assert requirement.specifier.contains(lock[name], prereleases=True), (
                f"{name}=={lock[name]} is outside {requirement.specifier}: run make lock")
    assert {name: dev[name] for name in main} == main  # tests run what production runs


def test_the_lock_files_carry_hashes():
    for lock in ("main.txt", "dev.txt"):
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        assert text.count("==") <= text.count("--hash=sha256:")


def test_pre_commit_runs_ruff_and_mypy_from_the_project_environment():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] if repo["repo"] == "local"
             for hook in repo["hooks"]}
    assert set(hooks) == {"ruff", "mypy"}
    for hook in hooks.values():
        assert hook["language"] == "system"
        executable = ROOT / hook["entry"].split()[0]
        assert executable.parent == ROOT / ".venv" / "bin"
    assert "pre-commit" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_ci_runs_make_test_only():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.findall(r"^[ \t]*make\b.*$", script, re.MULTILINE) == ["make test"]
