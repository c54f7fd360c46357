"""helpers/runtime.py: detecting Jupyter and nbgrader, keeping stderr clean under grading."""
from __future__ import annotations

import subprocess
import sys

import helpers


def test_detects_nbgrader_from_its_environment_variable(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not helpers.under_grading()
    for mode in ("autograde", "validate"):
        monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        assert helpers.under_grading()


def test_pytest_is_not_a_notebook():
    assert not helpers.in_notebook()


WARN = "import helpers, warnings; warnings.warn('watch out')"


def test_under_grading_warnings_go_to_stdout():
    result = subprocess.run([sys.executable, "-c", WARN], capture_output=True, text=True,
                            env={"NBGRADER_EXECUTION": "autograde", "PATH": ""})
    assert result.stderr == "" and "watch out" in result.stdout


def test_otherwise_warnings_stay_on_stderr():
    result = subprocess.run([sys.executable, "-c", WARN], capture_output=True, text=True,
                            env={"PATH": ""})
    assert "watch out" in result.stderr and result.stdout == ""
