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


def test_explore_shows_sliders_for_a_learner_and_nothing_under_grading(monkeypatch):
    from ipywidgets import IntSlider

    calls = []

    def show(x):
        calls.append(x)

    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert helpers.explore(show, x=IntSlider(value=3)) is None
    assert calls == []
    monkeypatch.delenv("NBGRADER_EXECUTION")
    shown = helpers.explore(show, x=IntSlider(value=3))
    assert calls == [3]                                  # interact runs it once at the start
    assert shown.widget.children[0].value == 3
