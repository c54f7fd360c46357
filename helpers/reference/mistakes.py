"""Known mistakes, written once as code: what each one produces, what is wrong, and the hint.

The course's checks **diagnose, then hint**: when a learner's result is wrong, a check replays
the usual wrong computations and names a cause only when the result matches what one of
them produces. Every check says this the same way:

- a :class:`Mistake` is what the mistake produces (a value, the parameters after training,
  a whole trajectory, ...; or a function of no arguments that computes it when it is needed),
  the problem the learner is told, and the hint;
- :func:`first_match` tries the mistakes in order with the check's own comparison
  ``same(got, produced)`` and returns the first that produces ``got`` (the order matters:
  first match wins);
- :func:`diagnose` fails with the course's message (:func:`helpers.checks._fail`) for that
  mistake, or, when none matches, with the check's general problem and hint.

For example, a check whose right answer is ``right`` (and ``got`` is not close to it)::

    mistakes = [Mistake(sum(losses), "wrong mean.", "divide by k."),
                Mistake(lambda: train_loss(), "wrong mean.", "evaluate on the held-out fold.")]
    diagnose("k_fold_loss", got, mistakes, lambda a, b: abs(a - b) < 1e-6,
             [f"expected: {right}", f"got: {got}"],
             otherwise=("wrong mean.", "average the k fold losses."))

This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .._readonly import seal
from ..checks import _fail


@dataclass(frozen=True)
class Mistake:
    """One known mistake: what it ``produces``, the ``problem`` a learner is told, the ``hint``.

    ``produces`` is the value the mistake gives, or a callable of no arguments that computes
    it (called only when the mistakes before it did not match; a product that is itself
    callable, such as a model, goes in as ``lambda: model``); ``None``, from either, means
    that the mistake cannot happen here and never matches. ``details`` are lines the message
    shows for this mistake only, after the check's own.

    Introduced in ``01_linear_regression_scratch``.
    """

    produces: Any
    problem: str
    hint: str
    details: tuple[str, ...] = ()

    def product(self) -> Any:
        """What the mistake produces (computed now when ``produces`` is a callable)."""
        return self.produces() if callable(self.produces) else self.produces


def first_match(got, mistakes: Iterable[Mistake], same: Callable[[Any, Any], bool]) -> Mistake | None:
    """The first of ``mistakes`` whose product is not ``None`` and ``same(got, product)``;
    ``None`` when no mistake gives ``got``. Products after the match are not computed.

    Introduced in ``01_linear_regression_scratch``.
    """
    for mistake in mistakes:
        product = mistake.product()
        if product is not None and same(got, product):
            return mistake
    return None


def diagnose(where: str, got, mistakes: Iterable[Mistake], same: Callable[[Any, Any], bool],
             details: Iterable[str] = (), *, otherwise: tuple[str, str] | None = None) -> None:
    """Fail with the course's message for the first mistake that gives ``got`` (``where``,
    its problem, ``details`` then its own details, its hint). When none does, fail with
    ``otherwise = (problem, hint)`` and ``details``, or return when ``otherwise`` is ``None``
    (for a check that goes on looking).

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    details = list(details)
    mistake = first_match(got, mistakes, same)
    if mistake is not None:
        _fail(where, mistake.problem, details + list(mistake.details), mistake.hint)
    if otherwise is not None:
        problem, hint = otherwise
        _fail(where, problem, details, hint)


seal(__name__)
