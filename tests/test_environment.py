"""The environment files agree with each other, and the install is the CPU build."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in listed}


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = [line for line in pip_section if not line.startswith("-")]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in listed}


def pins() -> dict[str, Version]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if "==" in line]
    return {name.lower().replace("_", "-"): Version(v) for name, v in pairs}


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_every_dependency_is_pinned_within_its_range():
    pinned = pins()
    for name, specifier in pyproject_requirements().items():
        key = name.replace("_", "-")
        assert key in pinned, f"{name} is not pinned in constraints.txt; run `make lock`"
        assert Requirement(f"{name}{specifier}").specifier.contains(pinned[key]), (
            f"constraints.txt pins {name}=={pinned[key]}, outside pyproject's {specifier}"
        )


def test_torch_is_the_cpu_build_and_no_cuda_wheels_are_installed():
    assert str(pins()["torch"]).endswith("+cpu")
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=freeze"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert not re.findall(r"(?im)^nvidia-", listed)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"(?m)^\s*make test\b", ci)
