"""Who may import whom: the learner's side never needs the instructor's grading package."""
from __future__ import annotations

import ast
import json
import subprocess
import sys

from .conftest import REPO

LEARNER_SIDE = [p for p in (REPO / "helpers").rglob("*.py") if "grading" not in p.parts]


def imported_modules(source: str, package: str) -> set[str]:
    """Absolute names of the modules ``source`` imports, relative imports resolved against
    ``package`` (the package the code lives in)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def grading_modules(names: set[str]) -> set[str]:
    return {m for m in names if m == "helpers.grading" or m.startswith("helpers.grading.")}


def test_imported_modules_resolves_relative_imports():
    source = "from . import grading\nfrom ..x import y\nimport helpers.loader"
    assert imported_modules(source, "helpers.reference") == {
        "helpers.reference", "helpers.reference.grading", "helpers.x", "helpers.x.y",
        "helpers.loader"}
    for spelled in ("from helpers import grading", "import helpers.grading.runner",
                    "from helpers.grading.report import write", "from .grading import sandbox"):
        assert grading_modules(imported_modules(spelled, "helpers")), spelled
    assert not grading_modules(imported_modules("from helpers import reference", "helpers"))


def test_no_learner_module_imports_the_grading_package():
    assert len(LEARNER_SIDE) >= 10
    for path in LEARNER_SIDE:
        package = ".".join(path.relative_to(REPO).parts[:-1])
        bad = grading_modules(imported_modules(path.read_text(), package))
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_importing_helpers_loads_nothing_of_the_grading_package():
    code = ("import json, sys, helpers\nfrom helpers import reference\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('helpers'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert "helpers.reference" in loaded
    assert not [m for m in loaded if m.startswith("helpers.grading")], loaded


def test_no_notebook_imports_the_grading_package():
    notebooks = sorted(REPO.glob("course/**/*.ipynb")) + sorted(REPO.glob("solutions/**/*.ipynb"))
    assert len(notebooks) >= 30
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            python = "\n".join(line for line in "".join(cell["source"]).splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            bad = grading_modules(imported_modules(python, "__main__"))
            assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
