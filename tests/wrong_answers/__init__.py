"""Typical wrong answers to the course's exercises, as learners type them.

One module per notebook, named after its number (``nb01.py`` for ``01_…``), holds three
lists, each entry replacing one solution cell; ``tests/test_wrong_answers.py`` runs them:

- ``WRONG``: each must fail the release notebook's *visible* checks of its exercise with a
  message that carries a hint; ``expect`` is a fragment of that message which shows the
  hint points at the real cause. Add an entry whenever a learner finds a mistake that the
  visible checks let through or explain badly. At least three per exercise.
- ``TAMPERING``: one-line tricks (rebinding or patching the checks, objects that equal
  everything) that must not turn a wrong answer into a passing one.
- ``RIGHT``: right answers written differently from the reference; each must pass its
  exercise's full test, hidden checks included.
"""
from __future__ import annotations

import importlib
import importlib.util

from helpers import grading

from .common import PATCH, Tampering, WrongAnswer

WRONG_ANSWERS: dict[str, list[WrongAnswer]] = {}
TAMPERING: dict[str, list[Tampering]] = {}
CORRECT_VARIANTS: dict[str, list[WrongAnswer]] = {}

for _assignment in grading.assignments():
    _name = f"nb{_assignment[:2]}"
    if importlib.util.find_spec(f"{__name__}.{_name}") is None:
        continue
    _module = importlib.import_module(f"{__name__}.{_name}")
    WRONG_ANSWERS[_assignment] = _module.WRONG
    TAMPERING[_assignment] = _module.TAMPERING
    CORRECT_VARIANTS[_assignment] = _module.RIGHT

__all__ = ["CORRECT_VARIANTS", "PATCH", "TAMPERING", "Tampering", "WRONG_ANSWERS", "WrongAnswer"]
