"""Shared helpers for the Hands-on PyTorch course notebooks.

Each public name's docstring says which notebook introduces it. Import what a notebook
needs, e.g. ``from helpers import load_data_fashion_mnist, train``. The course's answers,
``helpers.reference``, cannot be imported in a learner's kernel while a judged notebook is
graded, and ``helpers.exercises`` holds each notebook's checks.
"""
from . import checks

try:
    from . import reference  # noqa: F401 (sealed below: a notebook cannot swap it)
except ImportError:  # a judged notebook's kernel while grading: the answers are not there
    pass
from ._readonly import seal
from .checkpoint import load_training_state, rng_states, save_atomically, save_training_state, set_rng_states
from .checks import assert_close, assert_dtype, assert_float, assert_shape, check, preview, unchanged
from .device import describe_device, pick_device
from .fashion_mnist import (
    CLASSES,
    cache_dir,
    find_fashion_mnist,
    get_fashion_mnist_labels,
    load_fashion_mnist,
)
from .hints import hint_for
from .hints import install as install_hints
from .loader import TensorLoader, load_data_fashion_mnist
from .plot import LivePlot, plot_lines, set_figsize, show_images, use_retina
from .runtime import explore, in_notebook, route_warnings_to_stdout, under_grading
from .synthetic import synthetic_data
from .train import Accumulator, History, Timer, accuracy, evaluate_accuracy, num_correct, train, train_epoch

if under_grading():
    route_warnings_to_stdout()  # nbgrader zeroes a test cell that writes to stderr
if in_notebook():
    install_hints()  # a course hint under the traceback of common PyTorch errors
    use_retina()  # figures as retina PNGs: crisp on high-resolution screens

__all__ = [
    "Accumulator", "CLASSES", "History", "LivePlot", "TensorLoader", "Timer", "accuracy",
    "assert_close", "assert_dtype", "assert_float", "assert_shape", "cache_dir", "check",
    "checks", "describe_device", "evaluate_accuracy", "explore", "find_fashion_mnist",
    "get_fashion_mnist_labels", "hint_for", "in_notebook", "install_hints",
    "load_data_fashion_mnist", "load_fashion_mnist", "load_training_state", "num_correct",
    "pick_device", "plot_lines", "preview", "rng_states", "route_warnings_to_stdout",
    "save_atomically", "save_training_state", "set_figsize", "set_rng_states", "show_images",
    "synthetic_data", "train", "train_epoch", "unchanged", "under_grading", "use_retina",
]

# What test cells use cannot be swapped from a notebook (see helpers/_readonly.py).
seal(__name__)
