"""The project's promises: documented helpers, README's commands, CI, packaging, set-up."""
from __future__ import annotations

import importlib.metadata
import inspect
import re
import subprocess
import sys

import pytest

import helpers

from .conftest import REPO

README = (REPO / "README.md").read_text()


def course_map_ids() -> set[str]:
    """The notebook ids of README's course map, each row linking to its release notebook:
    ``| 00 | [`00_tensors_autograd`](course/00_tensors_autograd/00_tensors_autograd.ipynb) |``."""
    return set(re.findall(r"^\| \d\d \| \[`(\d\d_[a-z_]+)`\]\(course/\1/\1\.ipynb\) \|", README,
                          flags=re.M))


def test_readme_course_map_lists_notebooks_00_to_14():
    ids = sorted(course_map_ids())
    assert [i[:2] for i in ids] == [f"{n:02d}" for n in range(15)]


def test_every_public_helper_says_which_notebook_introduces_it():
    ids = course_map_ids()
    for name in helpers.__all__:
        obj = getattr(helpers, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        doc = inspect.getdoc(obj) or ""
        if name == "History":  # a result type, documented with train()
            doc = inspect.getdoc(helpers.train)
        found = re.findall(r"Introduced in ``(\w+)``", doc)
        assert found, f"{name}: docstring lacks an 'Introduced in ``NN_name``' line"
        assert set(found) <= ids, f"{name}: {found} is not in README's course map"


def test_readme_quick_start_is_the_two_make_commands():
    quick_start = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in quick_start.strip().splitlines()]
    assert commands == ["make lab", "make test"]


def test_ci_runs_the_readme_test_command_after_installing():
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == "make test"
    installs = " ".join(ci).split("apt-get install", 1)[1].replace("\\", " ").split()
    assert {"dataset-fashion-mnist", "chromium", "chromium-driver"} <= set(installs)
    assert (REPO / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"


def test_dependencies_are_declared_once_with_ranges():
    """Read from the installed package's metadata: what pip actually resolved against."""
    declared = importlib.metadata.requires("hands-on-pytorch")
    runtime = [d.replace(" ", "") for d in declared if "extra" not in d]
    dev = [d.replace(" ", "").split(";")[0] for d in declared if 'extra=="dev"' in d.replace(" ", "")]
    deps = {re.split(r"[<>=!~\[]", d)[0].lower(): d for d in runtime}
    for name in ("torch", "torchvision", "jupyterlab", "notebook", "nbgrader", "ipywidgets",
                 "matplotlib", "tqdm"):
        assert name in deps and re.search(r"[<>]=?", deps[name]), f"{name}: needs a range"
    for name, spec in {"jupyterlab": ">=4,<5", "notebook": ">=7,<8",
                       "nbgrader": ">=0.9,<0.10", "ipywidgets": ">=8,<9"}.items():
        assert set(deps[name][len(name):].split(",")) == set(spec.split(",")), deps[name]
    assert {"pytest", "nbval"} <= {re.split(r"[<>=]", d)[0] for d in dev}


def test_helpers_import_from_any_directory(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import helpers; print(helpers.__file__)"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith(str(REPO / "helpers"))


def test_a_second_make_run_skips_the_installation():
    """`make -q` exits 0 when a target is up to date: nothing would be reinstalled."""
    result = subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPO)
    assert result.returncode == 0


def test_committed_notebooks_carry_no_outputs():
    import nbformat

    notebooks = [p for p in REPO.glob("[cs]*/**/*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path


def test_readme_binder_badge_opens_the_first_course_notebook_of_this_repository():
    from urllib.parse import parse_qs, urlsplit

    import tomllib

    badges = re.findall(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\(([^)]+)\)",
                        README)
    assert len(badges) == 1, "one Binder badge"
    url = urlsplit(badges[0])
    repository = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    owner, name = urlsplit(repository).path.strip("/").split("/")
    assert url.path == f"/v2/gh/{owner}/{name}/HEAD"
    target = parse_qs(url.query)["urlpath"][0]
    assert target.startswith("lab/tree/")  # JupyterLab, not the classic notebook
    first = sorted(p for p in (REPO / "course").glob("[0-9][0-9]_*/*.ipynb"))[0]
    assert REPO / target.removeprefix("lab/tree/") == first


def test_readme_explains_the_three_ways_to_start():
    ways = README.split("### Three ways to start", 1)[1].split("\n## ", 1)[0]
    for way in ("`make lab`", "`conda env create -f environment.yml`", "Binder"):
        assert way in ways, way
    assert "use it when" in ways


DOCS = ("INSTRUCTORS.md", "CONTRIBUTING.md", "ARCHITECTURE.md")


def test_readme_is_a_front_door_of_at_most_150_lines():
    assert len(README.splitlines()) <= 150


def test_readme_links_to_the_three_docs():
    for name in DOCS:
        assert f"](docs/{name})" in README, name


def markdown_links(text: str) -> list[str]:
    """The targets of ``[text](target)`` and ``![alt](target)`` outside fenced code blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", prose)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces
    as hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S),
                          flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", ["README.md"] + [f"docs/{name}" for name in DOCS])
def test_links_to_repository_files_resolve(page):
    """Does every relative link of the README and the docs point at a file (and heading)
    that exists?"""
    source = REPO / page
    for target in markdown_links(source.read_text()):
        if re.match(r"[a-z]+:", target):   # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        assert linked.exists(), f"{page}: {target} does not exist"
        assert linked.is_relative_to(REPO), f"{page}: {target} leaves the repository"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked.read_text()), f"{page}: no heading for #{anchor}"


def test_make_test_lints_the_tree_before_the_tests():
    """`make -n` prints the commands `make test` would run, in order, without running them."""
    planned = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    ruff = next(i for i, line in enumerate(planned) if "ruff check" in line)
    pytest_ = next(i for i, line in enumerate(planned) if "-m pytest" in line)
    assert ruff < pytest_


def test_the_tree_passes_the_linter():
    ruff = REPO / ".venv" / "bin" / "ruff"
    result = subprocess.run([str(ruff) if ruff.exists() else "ruff", "check", "."], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
