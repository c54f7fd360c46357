"""Where course code is running: a Jupyter kernel, an nbgrader run, or a plain script.

Helpers stay quiet outside notebooks and keep stderr clean under nbgrader, because
nbgrader scores a test cell 0 when anything reaches stderr.
"""
from __future__ import annotations

import os
import sys
import warnings


def under_grading() -> bool:
    """Is nbgrader executing this notebook (``autograde`` or ``validate``)?

    Introduced in ``03_softmax_scratch``.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def in_notebook() -> bool:
    """Is this code running inside a Jupyter kernel (JupyterLab, nbclient, nbval)?

    Introduced in ``03_softmax_scratch``.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


def _warning_to_stdout(message, category, filename, lineno, file=None, line=None):
    print(warnings.formatwarning(message, category, filename, lineno, line), end="", file=sys.stdout)


def route_warnings_to_stdout() -> None:
    """Print warnings on stdout instead of stderr, where nbgrader would zero the cell.

    The package calls this on import while nbgrader grades. Introduced in ``03_softmax_scratch``.
    """
    warnings.showwarning = _warning_to_stdout


def explore(function, **widgets):
    """Show ``function`` with sliders: ``ipywidgets.interact(function, **widgets)``.

    While nbgrader grades or validates, nobody looks at sliders, so this does nothing and
    returns None: the widgets' messages are not worth their risk there (nbclient, which runs
    the notebook for nbgrader, can stall on a widget's replies, jupyter/nbclient#312).

    Introduced in ``01_linear_regression_scratch``.
    """
    if under_grading():
        return None
    from ipywidgets import interact

    return interact(function, **widgets)
