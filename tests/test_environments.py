"""The three ways to install the course agree: pyproject.toml (make), environment.yml (conda)
and binder/ (Binder); binder/ follows repo2docker's rules and its postBuild really works."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from .conftest import REPO, binder_copy, fake_python, maintainer_module, run_postbuild

yaml = maintainer_module("yaml")
rattler = maintainer_module("rattler")

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
CONDA_FILES = {"conda": REPO / "environment.yml", "binder": REPO / "binder" / "environment.yml"}
# pip names whose conda-forge package is called differently
CONDA_NAME = {"torch": "pytorch", "matplotlib": "matplotlib-base"}
# conda packages that are tools of the environment itself, not dependencies of the course
CONDA_ONLY = {"python", "pip"}


def conda_env(which: str) -> dict:
    return yaml.safe_load(CONDA_FILES[which].read_text())


def conda_specs(which: str) -> dict[str, rattler.MatchSpec]:
    return {rattler.MatchSpec(d).name.normalized: rattler.MatchSpec(d)
            for d in conda_env(which)["dependencies"] if isinstance(d, str)}


def pip_section(which: str) -> list[str]:
    return next((d["pip"] for d in conda_env(which)["dependencies"] if isinstance(d, dict)), [])


def pyproject_requirements() -> dict[str, Requirement]:
    """The package's dependencies and its dev extra (the tools to run the notebooks' tests),
    keyed by their conda-forge names."""
    project = PYPROJECT["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    return {CONDA_NAME.get(r.name, r.name): r for r in reqs}


# a matching pair of releases, to test the specs against conda-forge-style build strings
RECENT = {"pytorch": "2.9.1", "torchvision": "0.24.1"}


def record(name: str, version: str, build: str) -> rattler.PackageRecord:
    return rattler.PackageRecord(name, version, rattler.BuildString(build), 0, "linux-64")


# --- The package lists agree ----------------------------------------------------------------

@pytest.mark.parametrize("which", CONDA_FILES)
def test_conda_environment_has_exactly_the_packages_of_pyproject(which):
    assert set(conda_specs(which)) - CONDA_ONLY == set(pyproject_requirements())


@pytest.mark.parametrize("which", CONDA_FILES)
def test_conda_version_ranges_are_the_pyproject_ranges(which):
    specs = conda_specs(which)
    for name, requirement in pyproject_requirements().items():
        conda_range = SpecifierSet(str(specs[name].version).replace(" ", ""))
        assert conda_range == requirement.specifier, (
            f"{CONDA_FILES[which].name}: {name} {conda_range} but pyproject says "
            f"{requirement.name}{requirement.specifier}")


@pytest.mark.parametrize("which", CONDA_FILES)
def test_python_is_pinned_with_equals_to_a_version_the_package_supports(which):
    pins = [d for d in conda_env(which)["dependencies"]
            if isinstance(d, str) and d.startswith("python")]
    assert len(pins) == 1 and re.fullmatch(r"python=3\.\d+", pins[0]), pins
    version = pins[0].split("=")[1]
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version, (
        "the tests run on another Python than the environments pin")


@pytest.mark.parametrize("which", CONDA_FILES)
def test_packages_come_from_conda_forge_only(which):
    env = conda_env(which)
    # conda users may have Anaconda's defaults configured: `nodefaults` leaves them out
    assert env["channels"] == {"conda": ["conda-forge", "nodefaults"],
                               "binder": ["conda-forge"]}[which]
    assert not [d for d in env["dependencies"] if isinstance(d, str) and "::" in d]


def test_binder_gets_cpu_only_pytorch_and_torchvision():
    """The specs accept conda-forge's CPU builds and refuse its CUDA builds."""
    specs = conda_specs("binder")
    for name, version in RECENT.items():
        spec = specs[name]
        assert spec.matches(record(name, version, "cpu_mkl_py311h4c0d3a2_100"))
        assert spec.matches(record(name, version, "cpu_generic_py311h0a1b2c3_0"))
        assert not spec.matches(record(name, version, "cuda129_mkl_py311h5d6e7f8_300")), name
        assert not spec.matches(record(name, "3.0.0", "cpu_mkl_py311h4c0d3a2_100"))


def test_local_conda_accepts_any_pytorch_build_so_gpus_get_cuda():
    specs = conda_specs("conda")
    for name, version in RECENT.items():
        assert specs[name].build is None
        assert specs[name].matches(record(name, version, "cuda129_mkl_py311h5d6e7f8_300"))


def test_local_conda_installs_the_package_editable_and_binder_leaves_it_to_postbuild():
    assert pip_section("conda") == ["-e ."]
    assert pip_section("binder") == []  # everything else from conda-forge; postBuild adds helpers


# --- repo2docker's view of binder/ ------------------------------------------------------------

def test_repo2docker_builds_the_image_from_binder():
    """`repo2docker --no-build` picks the build pack and writes the Dockerfile without Docker."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "repo2docker"), "--no-build", "--debug",
         "--user-id", "1000", "--user-name", "jovyan", str(REPO)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    dockerfile = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in dockerfile
    assert '--file "binder/environment.yml"' in dockerfile  # not the top-level file
    assert '--file "environment.yml"' not in dockerfile
    assert "RUN ./binder/postBuild" in dockerfile
    assert "FROM " in dockerfile and "ENTRYPOINT" in dockerfile


def test_binder_folder_holds_only_what_repo2docker_reads():
    assert sorted(p.name for p in (REPO / "binder").iterdir()) == ["environment.yml", "postBuild"]


# --- postBuild ----------------------------------------------------------------------------------

POSTBUILD = REPO / "binder" / "postBuild"


def test_postbuild_is_an_executable_bash_script_that_stops_on_errors():
    assert POSTBUILD.stat().st_mode & 0o111
    mode = subprocess.run(["git", "ls-files", "--stage", "binder/postBuild"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout.split()[0]
    assert mode == "100755", "commit postBuild with its executable bit"
    lines = [l for l in POSTBUILD.read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert POSTBUILD.read_text().startswith("#!/usr/bin/env bash\n")
    assert lines[0] == "set -euo pipefail"


def test_postbuild_stops_at_the_first_failing_step(tmp_path):
    """pip fails: nothing after it runs, and the build fails with pip's exit code."""
    home = binder_copy(tmp_path / "home")
    result = run_postbuild(home, fake_python(tmp_path / "bin", tmp_path / "pip.log", pip_exit=3))
    assert result.returncode == 3
    assert (tmp_path / "pip.log").read_text().count("pip") == 1
    assert not (home / ".cache" / "hands-on-pytorch").exists()
    assert not (home / "exchange").exists() and not (home / ".jupyter").exists()


def test_postbuild_runs_through_and_installs_the_package_without_dependencies(binder_home):
    assert binder_home.result.returncode == 0, binder_home.result.stderr[-3000:]
    assert binder_home.pip_calls == ["-m pip install --no-deps --editable ."]


def test_postbuild_puts_fashion_mnist_where_the_helpers_look(binder_home):
    code = ("from helpers.fashion_mnist import find_fashion_mnist, load_fashion_mnist\n"
            "print(find_fashion_mnist(download=False))\n"
            "print(len(load_fashion_mnist(download=False).y_train))")
    result = subprocess.run([sys.executable, "-c", code], env=binder_home.env, cwd=binder_home.home,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    where, n_train = result.stdout.split()
    assert Path(where) == binder_home.home / ".cache" / "hands-on-pytorch"
    assert n_train == "60000"


def test_postbuild_gives_the_learner_a_writable_exchange_in_the_home(binder_home):
    """nbgrader's own student command finds the exchange and may write to it."""
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    result = subprocess.run([nbgrader, "list"], env=binder_home.env, cwd=binder_home.home,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unwritable" not in result.stdout + result.stderr
    code = ("from nbgrader.apps import NbGrader\n"
            "app = NbGrader(); app.config_file_paths.append('.'); app.load_config_file()\n"
            "print(app.config.Exchange.root)")
    root = subprocess.run([sys.executable, "-c", code], env=binder_home.env, cwd=binder_home.home,
                          capture_output=True, text=True, check=True).stdout.strip()
    assert Path(root).is_relative_to(binder_home.home) and Path(root).is_dir()
    probe = Path(root) / "probe"
    probe.write_text("x")
    probe.unlink()


def test_postbuild_switches_off_only_the_instructor_extensions(binder_home):
    jupyter = str(Path(sys.executable).parent / "jupyter")
    listing = subprocess.run([jupyter, "labextension", "list"], env=binder_home.env,
                             capture_output=True, text=True, check=True)
    text = listing.stdout + listing.stderr
    disabled = set(re.findall(r"^\s+(@jupyter/nbgrader:\S+)$",
                              text.split("Disabled extensions:", 1)[1], re.M))
    assert disabled == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:course-list"}
    assert "locked" in text  # and the learner cannot switch them back on from the UI

