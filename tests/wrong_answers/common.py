"""The shapes of a wrong, hostile or right answer, shared by the notebooks' modules."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    grade_id: str   # the solution cell it replaces
    what: str       # the mistake, in a few words (the test id)
    source: str     # the learner's cell
    expect: str     # a fragment of the failure message (hint included) that names the cause


@dataclass(frozen=True)
class Tampering:
    grade_id: str   # the exercise whose test cell must still fail
    what: str
    source: str     # a solution cell that tries to fool the checks, with a trivial answer


# Patches the helpers' checks and references with stubs (it fails: they are read-only).
PATCH = '''
import helpers, helpers.checks, helpers.reference
stub = lambda *args, **kwargs: None
for module in (helpers, helpers.checks, helpers.reference):
    for name in ("assert_close", "assert_shape", "assert_dtype", "assert_float", "check",
                 "isolate", "SGDSpy", "evaluate_accuracy", "load_data_fashion_mnist"):
        try:
            setattr(module, name, stub)
        except AttributeError:
            pass
'''

