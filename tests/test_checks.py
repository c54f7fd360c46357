"""helpers/checks.py: each check passes a right answer and explains a wrong one."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import assert_close, assert_dtype, assert_float, assert_shape, check, preview, unchanged


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as err:
        check(*args, **kwargs)
    return str(err.value)


def test_assert_close_passes_within_tolerance_and_across_dtypes():
    assert_close(torch.tensor([1.0, 2.0]) + 1e-7, torch.tensor([1.0, 2.0]))
    assert_close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    assert_close([0.5, 0.25], torch.tensor([0.5, 0.25]))
    assert_close(3.0, 3)


def test_assert_close_failure_shows_expected_got_largest_difference_and_hint():
    message = failure(assert_close, torch.tensor([[0.1, 0.2], [0.3, 0.9]]),
                      torch.tensor([[0.1, 0.2], [0.3, 0.4]]), name="softmax(X)",
                      hint="divide by the row sums")
    assert message.startswith("softmax(X): values differ")
    assert "expected: [[0.1, 0.2]," in message and "got:      [[0.1, 0.2]," in message
    assert "largest difference 0.5 at index (1, 1)" in message
    assert "1 of 4 elements differ" in message
    assert message.rstrip().endswith("hint: divide by the row sums")


def test_assert_close_reports_a_shape_mismatch_before_values():
    message = failure(assert_close, torch.zeros(4), torch.zeros(4, 1), name="y_hat")
    assert "wrong shape" in message and "(4, 1)" in message and "(4,)" in message
    assert "keepdim" in message  # the default hint


def test_assert_close_explains_none_and_non_tensors():
    assert "did the function `return` its result?" in failure(assert_close, None, [1.0])
    assert "expected a tensor, got object" in failure(assert_close, object(), [1.0])


def test_assert_close_flags_nan_and_inf_as_overflow():
    message = failure(assert_close, torch.tensor([float("nan"), 1.0]), torch.tensor([0.5, 1.0]))
    assert "nan or inf" in message
    assert "largest difference inf at index (0,)" in message


def test_assert_shape():
    assert_shape(torch.zeros(2, 3), (2, 3))
    message = failure(assert_shape, torch.zeros(3, 2), (2, 3), name="W", hint="transpose?")
    assert "expected shape: (2, 3)" in message and "got shape:      (3, 2)" in message
    assert "hint: transpose?" in message


def test_assert_dtype():
    assert_dtype(torch.zeros(2, dtype=torch.int64), torch.int64)
    message = failure(assert_dtype, torch.zeros(2), torch.int64, name="labels")
    assert "expected dtype: torch.int64" in message and "got dtype:      torch.float32" in message


def test_preview_is_short_for_big_tensors():
    text = preview(torch.arange(10_000).reshape(100, 100))
    assert "..." in text and len(text) < 400 and "(shape (100, 100), torch.int64)" in text
    assert preview(torch.zeros(2, dtype=torch.bfloat16)).startswith("[0., 0.]")
    assert len(preview("x" * 1000)) < 210


def test_check_passes_silently_and_fails_with_expected_got_and_hint():
    check(True, "f", "never shown")
    with pytest.raises(AssertionError) as err:
        check(False, "data_iter(4, ...)", "wrong batch sizes.", expected=[4, 4, 2], got=[4, 4],
              hint="the last batch may be smaller")
    assert str(err.value).splitlines() == [
        "data_iter(4, ...): wrong batch sizes.", "  expected: [4, 4, 2]", "  got:      [4, 4]",
        "  hint: the last batch may be smaller"]
    with pytest.raises(AssertionError) as err:
        check(False, "f", "returned nothing.", got=None)       # None is a value worth showing
    assert str(err.value).splitlines() == ["f: returned nothing.", "  got:      None"]


def test_check_takes_a_bool_only():
    """A learner's object whose comparisons always say yes is not a condition."""
    message = failure(check, torch.tensor(True), "f", "never shown")
    assert "needs True or False, got torch.Tensor" in message


def test_checks_trust_only_plain_tensors_and_numbers():
    class Agreeable(torch.Tensor):
        pass

    fake = torch.zeros(2).as_subclass(Agreeable)
    assert "plain torch.Tensor, got a subclass" in failure(assert_close, fake, torch.zeros(2))
    message = failure(assert_shape, np.zeros((2, 3)), (2, 3), hint="about shapes")
    assert "got numpy.ndarray" in message and "return a torch.Tensor" in message
    assert "about shapes" not in message                   # a wrong type gets its own hint


def test_assert_float_explains_tensors_ints_and_numpy_numbers():
    assert assert_float(0.5) == 0.5
    assert ".item()" in failure(assert_float, torch.tensor(0.5))
    assert "`//`" in failure(assert_float, 3)
    assert "float(...)" in failure(assert_float, np.float64(0.5))


def test_unchanged_catches_an_input_changed_in_place():
    O = torch.ones(2, 2)
    with unchanged("softmax", O=O):
        torch.exp(O)
    with pytest.raises(AssertionError) as err:
        with unchanged("softmax", O=O):
            O.exp_()
    assert "changed its input `O` in place" in str(err.value)


def test_unchanged_takes_a_hint_about_the_exercise():
    x = torch.ones(2)
    with pytest.raises(AssertionError, match="hint: nudge a copy"):
        with unchanged("central_difference", x=x, hint="nudge a copy"):
            x += 1


def test_none_for_a_shape_or_dtype_says_what_was_wanted_in_words():
    with pytest.raises(AssertionError, match=r"got None\.\n  expected: a tensor of shape \(3,\)"):
        assert_shape(None, (3,), name="grad_of")
    with pytest.raises(AssertionError, match=r"expected: a tensor of dtype torch.float64"):
        assert_dtype(None, torch.float64, name="central_difference")
