"""Read-only modules: the course's checks and references cannot be replaced from a notebook.

Autograder test cells run in the same Python process as the learner's cells. A one-line
``helpers.checks.assert_close = lambda *a, **k: None`` in a solution cell would otherwise
turn every check into a pass. :func:`seal` makes a module's public names fixed: assigning,
deleting or overwriting them through ``vars()`` has no effect on what the module gives out.
New attributes (e.g. submodules imported later) can still be added.

This stops accidents and one-line tricks, not a determined attacker with the same
interpreter; the instructor command's sandbox and tamper checks are the second line.
"""
from __future__ import annotations

import sys
import types


def seal(name: str) -> types.ModuleType:
    """Make the names module ``name`` defines now read-only; return the module.

    Introduced in ``01_linear_regression_scratch``.
    """
    module = sys.modules[name]
    fixed = {k: v for k, v in vars(module).items() if not k.startswith("__")}

    class ReadOnlyModule(types.ModuleType):
        def __getattribute__(self, attr):
            if attr in fixed:
                return fixed[attr]
            return super().__getattribute__(attr)

        def __setattr__(self, attr, value):
            if attr in fixed or attr == "__class__":
                raise AttributeError(
                    f"{name}.{attr} is part of the course's checks and cannot be changed "
                    "from a notebook")
            super().__setattr__(attr, value)

        def __delattr__(self, attr):
            if attr in fixed or attr == "__class__":
                raise AttributeError(f"{name}.{attr} cannot be deleted")
            super().__delattr__(attr)

    ReadOnlyModule.__name__ = ReadOnlyModule.__qualname__ = "ReadOnlyModule"
    types.ModuleType.__setattr__(module, "__class__", ReadOnlyModule)
    return module
