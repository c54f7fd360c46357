"""The course's reference answers, and the stand-ins that check a learner's code with them.

Solve the exercises before reading: these are the answers.

Autograder tests use this package so that **one mistake costs its own points only**: a
training exercise runs with the references swapped in for the learner's earlier answers, so
a wrong ``sgd`` loses the ``sgd`` points, not the training points too. Test cells import it
as ``from helpers import reference as ref`` and use ``ref.X`` for every name below.

- :mod:`~helpers.reference.answers`: the reference answers, in notebook order (01 ... 13);
- :mod:`~helpers.reference.isolation`: running a learner's function or model constructor
  with them (:func:`isolate`, :func:`build_model`, :func:`quiet_helpers`);
- :mod:`~helpers.reference.spies`: stand-ins that watch a learner's loop (:class:`SGDSpy`,
  :class:`SaveSpy`, :class:`SimulatedGPU`, ...);
- :mod:`~helpers.reference.replays`: the right computation and the usual wrong ones redone,
  to name the mistake a result matches (:class:`SGDReplay`, :class:`OptimizerReplay`,
  :func:`check_k_fold_value`, :func:`check_lenet`);
- :mod:`~helpers.reference.mistakes`: how all of them name a mistake (:class:`Mistake`,
  :func:`first_match`, :func:`diagnose`).

The package and each of its modules are read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

from .._readonly import seal
from . import answers, isolation, mistakes, replays, spies
from .answers import (
    accuracy,
    atomic_save,
    choose_degree,
    conv_output_shape,
    corr2d,
    corr2d_multi_in_out,
    data_iter,
    dropout,
    fit_least_squares,
    fold_bounds,
    init_mlp_params,
    init_weights,
    k_fold_loss,
    l1_penalty,
    l2_penalty,
    lenet,
    linear_sequential,
    linreg,
    load_array,
    load_matching,
    mlp,
    mlp_forward,
    mse,
    poly_features,
    pool2d,
    relu,
    resume,
    save_checkpoint,
    sgd,
    sgd_no_bias_decay,
    sigmoid_grad,
    softmax_net,
    squared_loss,
    toy_classifier,
    toy_data,
    toy_epoch,
    train_keep_best,
    train_val_split,
)
from .isolation import build_model, isolate, quiet_helpers
from .mistakes import Mistake, diagnose, first_match
from .replays import LENET_SHAPES, OptimizerReplay, SGDReplay, check_k_fold_value, check_lenet
from .spies import FitSpy, PenaltySGDSpy, RecordedMinibatches, SaveSpy, ScriptedRun, SGDSpy, SimulatedGPU

__all__ = [
    # answers
    "accuracy", "atomic_save", "choose_degree", "conv_output_shape", "corr2d",
    "corr2d_multi_in_out", "data_iter", "dropout", "fit_least_squares", "fold_bounds",
    "init_mlp_params", "init_weights", "k_fold_loss", "l1_penalty", "l2_penalty", "lenet",
    "linear_sequential", "linreg", "load_array", "load_matching", "mlp", "mlp_forward", "mse",
    "poly_features", "pool2d", "relu", "resume", "save_checkpoint", "sgd", "sgd_no_bias_decay",
    "sigmoid_grad", "softmax_net", "squared_loss", "toy_classifier", "toy_data", "toy_epoch",
    "train_keep_best", "train_val_split",
    # isolation
    "build_model", "isolate", "quiet_helpers",
    # spies
    "FitSpy", "PenaltySGDSpy", "RecordedMinibatches", "SGDSpy", "SaveSpy", "ScriptedRun",
    "SimulatedGPU",
    # replays
    "LENET_SHAPES", "OptimizerReplay", "SGDReplay", "check_k_fold_value", "check_lenet",
    # mistakes
    "Mistake", "diagnose", "first_match",
    # the modules
    "answers", "isolation", "mistakes", "replays", "spies",
]

# What test cells use cannot be swapped from a notebook (see helpers/_readonly.py).
seal(__name__)
