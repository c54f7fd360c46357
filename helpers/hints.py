"""Course hints for common PyTorch errors, shown under the traceback in notebooks.

When a cell raises, the learner sees the usual traceback, unchanged, plus one last line in
the course's words that says what the error means and what to do or where to look, e.g.::

    RuntimeError: grad can be implicitly created only for scalar outputs
    hint: backward() needs a single number, and this tensor holds several: ...

``HINTS`` is the one table of these hints: each entry names the exception type(s) it
applies to, a regular expression searched for in the error message, the hint text and its
kind. ``hint_for`` returns the hint of the first entry that matches; ``install`` makes an
IPython kernel append it to tracebacks.

A hint names a cause only where the error has one likely cause in the course (a
``DIAGNOSTIC`` entry): a wrong cause is worse than none, since the learner then "fixes"
code that was right. Where an error has several plausible causes, either narrow the regex to
the form that has one, or write an ``EXPLANATORY`` hint: what the message means in plain
words, then what to print or compare, with the usual causes as questions ("print both
shapes: did a sum(dim=1) drop its dimension?").

To add an entry: pick the exception type and a regex over the stable part of PyTorch's
message (not the numbers or shapes in it); list the causes a learner of the course could
have for that message, and choose the kind by the rule above; write the hint in one or two
plain sentences; add a case to ``tests/test_hints.py`` that triggers the *real* error with
torch, so that a changed PyTorch message fails the test instead of silently losing the hint,
and, for an explanatory entry, a case of a second cause to ``OTHER_CAUSES`` there. The tests
also check that no other entry matches that error.
"""
from __future__ import annotations

import builtins
import pickle
import re
from dataclasses import dataclass

#: What starts the line added under a traceback, as in the course's check messages.
PREFIX = "hint: "

#: ``Hint.kind`` of a hint that names the learner's mistake: only for a message that, in this
#: course, has one likely cause.
DIAGNOSTIC = "diagnostic"
#: ``Hint.kind`` of a hint that says what the message means and where to look (what to print,
#: the usual causes as questions): for an error with several plausible causes.
EXPLANATORY = "explanatory"


@dataclass(frozen=True)
class Hint:
    """One entry of ``HINTS``: a hint for errors of ``types`` whose message matches ``pattern``.

    ``kind`` is ``DIAGNOSTIC`` when ``text`` names a cause (the message proves it, or in the
    course it has no other likely one), ``EXPLANATORY`` when ``text`` only says what the
    message means and where to look.

    Introduced in ``01_linear_regression_scratch``.
    """

    name: str
    types: tuple[type[BaseException], ...]
    pattern: str
    text: str
    kind: str

    def __post_init__(self):
        if self.kind not in (DIAGNOSTIC, EXPLANATORY):
            raise ValueError(f"{self.name}: kind must be {DIAGNOSTIC!r} or {EXPLANATORY!r}, "
                             f"not {self.kind!r}")

    def matches(self, exc: BaseException) -> bool:
        """Is ``exc`` an error this entry explains? Introduced in ``01_linear_regression_scratch``."""
        return isinstance(exc, self.types) and re.search(self.pattern, str(exc)) is not None


_NONE_OPERAND = (r"unsupported operand type\(s\) for \S+: "
                 r"('NoneType' and '[^']+'|'[^']+' and 'NoneType')")
_LAZY = r"'(generator|zip|map|filter|enumerate|range_iterator)'"

HINTS: tuple[Hint, ...] = (
    Hint("exercise_stub", (NotImplementedError,), r"^exercise not done yet$",
         "this exercise is not done yet: replace the two stub lines (# YOUR CODE HERE … / "
         "raise NotImplementedError(…)) with your solution, run that cell, then run the test "
         "cell again.", DIAGNOSTIC),
    # an update, an initialisation (weight.normal_), a step of the computation (x.relu_())
    Hint("leaf_inplace", (RuntimeError,),
         r"leaf Variable that requires grad is being used in an in-place operation",
         "autograd tracks this tensor (requires_grad=True), so it cannot be changed in place. "
         "Is it a parameter update or initialisation? Do it inside `with torch.no_grad():`, e.g. "
         "`param -= lr * param.grad`. A step of a computation? Make a new tensor: `h = h + 1`.",
         EXPLANATORY),
    Hint("backward_non_scalar", (RuntimeError,),
         r"grad can be implicitly created only for scalar outputs",
         "backward() needs a single number, and this tensor holds several: for per-example "
         "losses call it on `l.sum()` (or `l.mean()` when the loss or optimizer expects a mean).",
         DIAGNOSTIC),
    # a reduction without keepdim, `*` for `@`, operands the wrong way round, a wrong reshape
    Hint("shape_mismatch", (RuntimeError,),
         r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) "
         r"at non-singleton dimension",
         "the two shapes in this element-wise operation do not broadcast: print both. Did a "
         "sum(dim=1) drop its dimension (keepdim=True)? Should one be reshaped "
         "(`y.reshape(y_hat.shape)`), or was `*` meant as the matrix product `X @ w`?",
         EXPLANATORY),
    Hint("return_types", (TypeError, AttributeError), r"torch\.return_types\.\w+",
         "`max(dim=...)` (like min, sort and topk) returns a pair (values, indices), not a "
         "tensor: use `.values`, e.g. `O.max(dim=1, keepdim=True).values`.", DIAGNOSTIC),
    Hint("gather_index_dims", (RuntimeError,),
         r"Index tensor must have the same number of dimensions as input tensor",
         "gather needs an index with as many dimensions as the input: print both shapes. For a "
         "(batch, classes) input and a vector of labels y, make the labels a column with "
         "`y.reshape(-1, 1)`.", EXPLANATORY),
    Hint("index_dtype", (RuntimeError, IndexError),
         r"Expected dtype int(32/int)?64 for index|tensors used as indices must be long"
         r"|expected target dtype to be Long",
         "an index, or the labels of a loss, must be an integer tensor, and this one holds "
         "floats: convert it with `.long()`, e.g. `y.long()`.", DIAGNOSTIC),
    Hint("mean_of_ints", (RuntimeError,), r"mean\(\): could not infer output dtype",
         "mean() needs floating-point numbers: convert first, e.g. "
         "`(y_hat.argmax(dim=1) == y).float().mean()`.", DIAGNOSTIC),
    # a gradient not computed yet, a parameter rebound, a buffer not started, no `return`, ...
    Hint("none_value", (AttributeError, TypeError),
         rf"'NoneType' object has no attribute|{_NONE_OPERAND}",
         "a value is None (which one in the failing line?): `p.grad` before a backward() through "
         "`p` (requires_grad=True) or after `p = p - ...` (update in place: "
         "`p -= ...`); a momentum buffer not started (`p.grad.clone()`); the result "
         "of a function with no `return`.",
         EXPLANATORY),
    # parameters without requires_grad, a loss under no_grad, through .detach() or .item()
    Hint("no_grad_fn", (RuntimeError,),
         r"element 0 of tensors does not require grad and does not have a grad_fn",
         "backward() was called on a tensor that autograd did not record: check that the "
         "parameters have requires_grad=True and that the loss was not computed under "
         "torch.no_grad() or through .detach(), .data or .item().", EXPLANATORY),
    Hint("int_requires_grad", (RuntimeError,),
         r"(?i)only Tensors of floating point (and complex )?dtype can require gradients",
         "only floating-point tensors have gradients: write the numbers as floats, e.g. "
         "`torch.tensor(0.0, requires_grad=True)`, or pass dtype=torch.float32.", DIAGNOSTIC),
    # X not flattened, an operand to transpose, a layer's in_features wrong (LeNet's 16 * 5 * 5)
    Hint("matmul_shapes", (RuntimeError,),
         r"mat1 and mat2 shapes cannot be multiplied|size mismatch, got input \(\d+\), mat \(",
         "in `A @ B` (and in nn.Linear) the columns of A must equal the rows of B: print both "
         "shapes. Is one the wrong way round (`.T`), is the input not flattened "
         "(`X.reshape(-1, num_inputs)`), or is a layer's in_features wrong?", EXPLANATORY),
    # float64 data from NumPy, integers from torch.tensor([1, 2]), a model made double
    Hint("dtype_mismatch", (RuntimeError,),
         r"must have the same dtype|to have the same dtype|to have same dtype"
         r"|expected scalar type \w+ but found \w+",
         "the tensors here have different dtypes: print `.dtype` of each, a model's parameters "
         "included. The course computes in float32: convert what is not with `.float()` "
         "(`net.float()` for a model); NumPy data arrives as float64, integers as int64.",
         EXPLANATORY),
    Hint("inplace_int", (RuntimeError,),
         r"result type \w+ can't be cast to the desired output type",
         "an in-place operation (`+=`, `/=`, `sub_`, …) cannot store a floating-point result "
         "in an integer tensor: create that tensor as float, e.g. `torch.zeros(3)` or "
         "`x.float()`.", DIAGNOSTIC),
    # the model not moved, a batch not moved, a tensor created inside forward on the CPU
    Hint("device_mismatch", (RuntimeError,),
         r"Expected all tensors to be on the same device|is not on the expected device",
         "these tensors are on different devices (the message names them): print `.device` of "
         "the inputs and of the model's parameters, then move both, `net.to(device)` and "
         "`X, y = X.to(device), y.to(device)`.", EXPLANATORY),
    # a loss reused, or a tensor computed from the parameters once, outside the loop
    Hint("backward_twice", (RuntimeError,),
         r"Trying to backward through the graph a second time",
         "the first backward() freed the values this graph saved, and a second backward() "
         "needed them: compute the forward pass again before every backward(). Was a loss, or "
         "a tensor computed from the parameters, made once and reused?", EXPLANATORY),
    Hint("item_non_scalar", (RuntimeError, ValueError),
         r"a Tensor with \d+ elements cannot be converted to Scalar"
         r"|only one element tensors can be converted to Python scalars",
         "`.item()` and `float()` need a tensor holding a single number, and this one holds "
         "more: print its shape; if it holds one value per example, reduce it first, e.g. "
         "`l.sum().item()`.", EXPLANATORY),
    Hint("ambiguous_bool", (RuntimeError,),
         r"Boolean value of Tensor with more than one value is ambiguous",
         "`if`, `and`, `or` and `not` need one True or False, but this tensor holds several: "
         "use `.all()` or `.any()`, or combine tensors element-wise with `&` and `|`.",
         DIAGNOSTIC),
    Hint("saved_tensor_modified", (RuntimeError,),
         r"one of the variables needed for gradient computation has been modified by an "
         r"inplace operation",
         "a tensor that backward() needs was changed in place after it was used: find that "
         "change (`h += 1`, `x.clamp_()`, or optimizer.step() before loss.backward()) and "
         "compute a new tensor instead (`h = h + 1`); call step() only after backward().",
         EXPLANATORY),
    Hint("numpy_requires_grad", (RuntimeError,), r"Can't call numpy\(\) on Tensor that requires grad",
         "this tensor is part of autograd's graph: take a copy outside it first, "
         "`t.detach().numpy()` (and `.cpu()` before that for a GPU tensor).", DIAGNOSTIC),
    # a wrong derivative, grad_output forgotten, or float32 inputs
    Hint("gradcheck_mismatch", (RuntimeError,), r"Jacobian mismatch for output \d+ with respect to input",
         "the gradient from backward() differs from finite differences of forward(): check that "
         "backward returns grad_output times the derivative of forward at the saved input, and "
         "that the inputs are float64 (float32 is too coarse for gradcheck).", EXPLANATORY),
    Hint("wrong_number_of_gradients", (RuntimeError,),
         r"returned an incorrect number of gradients \(expected \d+, got \d+\)",
         "a custom Function's backward returns one gradient per input of forward (None for an "
         "input that needs none), in the same order.", DIAGNOSTIC),
    Hint("module_init_missing", (AttributeError,), r"cannot assign .+ before Module\.__init__\(\) call",
         "start __init__ with super().__init__(): nn.Module must set itself up before layers or "
         "parameters can be assigned to self.", DIAGNOSTIC),
    # no forward, a misspelled one (foward, Forward), or one indented outside the class
    Hint("forward_missing", (NotImplementedError,), r'is missing the required "forward" function',
         "this nn.Module class has no method named forward: check its spelling "
         "(`def forward(self, X)`, lower case), that it is indented like __init__, inside the "
         "class, and that it returns the output.", EXPLANATORY),
    Hint("sequential_weight", (AttributeError,),
         r"'Sequential' object has no attribute '(weight|bias)'",
         "an nn.Sequential has no weight of its own: its layers are net[0], net[1], ...; use "
         "net[0].weight and net[0].bias.", DIAGNOSTIC),
    Hint("next_method", (AttributeError,), r"object has no attribute 'next'$",
         "Python 3 iterators have no .next() method: use the built-in next(iter(loader)).",
         DIAGNOSTIC),
    Hint("torch_functional", (AttributeError,), r"module 'torch\.functional' has no attribute",
         "losses and layers as functions live in torch.nn.functional: "
         "`import torch.nn.functional as F`.", DIAGNOSTIC),
    Hint("view_stride", (RuntimeError,),
         r"view size is not compatible with input tensor's size and stride",
         "use `.reshape(...)` instead of `.view(...)`: after a transpose or slicing the "
         "tensor's elements are not contiguous in memory, which view cannot handle.", DIAGNOSTIC),
    # a matrix where a matrix product was meant, or two vectors kept as columns
    Hint("dot_of_matrices", (RuntimeError,), r"1D tensors expected, but got \d+D and \d+D tensors",
         "torch.dot takes two vectors (1-D): print both shapes. For a matrix times a vector or a "
         "matrix use the matrix product `X @ w` (torch.matmul); for two columns, flatten them "
         "first with `.reshape(-1)`.", EXPLANATORY),
    Hint("no_grad_not_called", (TypeError,),
         r"'type' object does not support the context manager protocol",
         "a class such as torch.no_grad must be called to be used in `with`: "
         "`with torch.no_grad():`, with the parentheses.", DIAGNOSTIC),
    # code meant for both (evaluate_accuracy), or a function passed where a model was meant
    Hint("module_method_on_function", (AttributeError,),
         r"'function' object has no attribute '(eval|train|parameters|to|zero_grad|modules)'",
         "this is a plain function, not an nn.Module, so it has no eval(), train() or "
         "parameters(): code that takes both must check `isinstance(net, nn.Module)` first; "
         "otherwise pass the model itself.", EXPLANATORY),
    Hint("lazy_iterator", (TypeError,),
         rf"{_LAZY} object is not subscriptable|object of type {_LAZY} has no len\(\)",
         "a generator (like `data_iter(...)`) can only be looped over: use `for X, y in ...`, "
         "`next(iter(...))` for the first item, or `list(...)` to index it or take its len().",
         DIAGNOSTIC),
    Hint("param_in_two_groups", (ValueError,), r"some parameters appear in more than one parameter group",
         "a parameter is in two parameter groups, and each may be in one only: make the groups "
         "disjoint, e.g. split net.named_parameters() by name (ending in 'bias' or not); "
         "net.parameters() plus a part of it repeats that part.", DIAGNOSTIC),
    # a used-up generator, layers in a plain list (not registered), a filter matching nothing
    Hint("empty_parameter_list", (ValueError,), r"optimizer got an empty parameter list",
         "the optimizer was given no parameters: print `list(...)` of what you passed. Was a "
         "generator such as net.parameters() used up (wrap it in list(...))? Are layers kept in "
         "a plain list (use nn.ModuleList)? Does a filter by name match nothing?", EXPLANATORY),
    # an attribute of that name assigned first, or a name nn.Module uses (training)
    Hint("name_taken", (KeyError,), r"attribute '\w+' already exists",
         "register_buffer and register_parameter need a name the module does not use yet: "
         "check for an earlier `self.name = ...` (drop it, call `self.register_buffer(\"name\", "
         "tensor)` alone and read `self.name`) or a Module attribute such as `training`.",
         EXPLANATORY),
    Hint("tensor_to_parameter", (TypeError,),
         r"cannot assign '[\w.]+' as parameter '\w+' \(torch\.nn\.Parameter or None expected\)",
         "this name is a registered parameter: fill it in place (`nn.init.xavier_uniform_(m.weight)`"
         " or `with torch.no_grad(): m.weight.copy_(t)`), or wrap a new tensor in nn.Parameter.",
         DIAGNOSTIC),
    Hint("parameters_typo", (AttributeError,), r"module 'torch\.nn' has no attribute 'Parameters'",
         "the class is nn.Parameter, singular: nn.Parameter(torch.zeros(3)).", DIAGNOSTIC),
    # DataLoader's only: another function's unknown `num_worker` is not this typo
    Hint("num_worker_typo", (TypeError,),
         r"DataLoader\.__init__\(\) got an unexpected keyword argument 'num_worker'$",
         "the DataLoader argument is `num_workers` (with an s); in notebooks keep num_workers=0.",
         DIAGNOSTIC),
    Hint("shuffle_and_sampler", (ValueError,), r"sampler option is mutually exclusive with shuffle",
         "a sampler decides the order: remove `shuffle=True` when you pass `sampler=`.", DIAGNOSTIC),
    Hint("collate_pil", (TypeError,), r"default_collate: batch must contain tensors.*PIL",
         "the data set returns PIL images: add transforms.ToTensor() to its transform, so that "
         "the DataLoader can stack tensors.", DIAGNOSTIC),
    # images of different sizes, sequences of different lengths, a data set's bug; torch.stack itself
    Hint("stack_sizes", (RuntimeError,), r"stack expects each tensor to be equal size",
         "torch.stack (as a DataLoader making a batch) needs tensors of one shape: print the "
         "items' shapes. To make them equal, resize images (transforms.Resize) or pad sequences "
         "in a collate_fn (pad_sequence(..., batch_first=True)).", EXPLANATORY),
    Hint("normalize_pil", (TypeError,), r"img should be Tensor Image\. Got <class 'PIL",
         "Normalize works on tensors: put transforms.ToTensor() before it in Compose.", DIAGNOSTIC),
    Hint("normalize_uint8", (TypeError,), r"Input tensor should be a float tensor\. Got torch\.uint8",
         "Normalize needs floats, and got uint8 (0 to 255): use ToTensor() (float32 in [0, 1]) "
         "rather than PILToTensor(), or convert with `.float() / 255`.", DIAGNOSTIC),
    Hint("to_tensor_twice", (TypeError,), r"pic should be PIL Image or ndarray\. Got <class 'torch\.Tensor'>",
         "the input is already a tensor: drop ToTensor(), or convert it with `.float() / 255`.",
         DIAGNOSTIC),
    Hint("image_format", (AssertionError,), r"size of input tensor and input format are different",
         "add_image expects (C, H, W): pass dataformats='HW' or 'HWC' for arrays from PIL or "
         "NumPy, or convert the image with ToTensor().", DIAGNOSTIC),
    Hint("init_fan_1d", (ValueError,),
         r"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
         "Xavier and Kaiming need a weight matrix, and a bias is 1-D: initialise weights only "
         "(`if isinstance(m, nn.Linear): nn.init.xavier_uniform_(m.weight)` via net.apply) "
         "and set biases with nn.init.zeros_.", DIAGNOSTIC),
    Hint("weights_only_refused", (pickle.UnpicklingError,), r"Weights only load failed",
         "torch.load(..., weights_only=True) refuses files holding more than tensors and plain "
         "containers (a whole model, an optimizer, model.state_dict without ()): save "
         "state_dict()s, build the model in code.", DIAGNOSTIC),
    Hint("load_state_dict_mismatch", (RuntimeError,), r"Error\(s\) in loading state_dict for",
         "the file's entries do not fit this model: compare keys and shapes with "
         "model.state_dict(). strict=False skips missing or unexpected keys, not a size "
         "mismatch: drop those entries first.", EXPLANATORY),
    Hint("state_dict_method", (TypeError,), r"Expected state_dict to be dict-like, got <class 'method'>",
         "this is the method model.state_dict, not its result: call it, model.state_dict(), "
         "when saving too.", DIAGNOSTIC),
    Hint("save_missing_folder", (RuntimeError,), r"Parent directory .* does not exist",
         "torch.save does not create folders: os.makedirs(folder, exist_ok=True) first.", DIAGNOSTIC),
    Hint("no_cuda", (RuntimeError, AssertionError),
         r"Found no NVIDIA driver|Torch not compiled with CUDA enabled|No CUDA GPUs are available",
         "this machine has no CUDA GPU: take device = helpers.pick_device() and move with "
         ".to(device), not .cuda(); call torch.cuda.synchronize() only when device.type == 'cuda'.",
         DIAGNOSTIC),
    Hint("meta_no_data", (NotImplementedError, RuntimeError), r"Cannot copy out of meta tensor",
         "a tensor on the meta device has a shape but no values: compute on a real device, or "
         "look only at .shape and .device.", DIAGNOSTIC),
    # a single image, flattened rows, an extra dimension
    Hint("conv_input_dims", (RuntimeError,), r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d",
         "nn.Conv2d wants (batch, channels, height, width): compare with the size in the message. "
         "One 28×28 image: X[None, None]; a batch of 2-D images: X.unsqueeze(1); flattened "
         "rows: X.reshape(-1, 1, 28, 28).", EXPLANATORY),
    # a layer's in_channels not the previous out_channels, channels-last images, grey against RGB
    Hint("conv_channels", (RuntimeError,),
         r"expected input\[.*\] to have \d+ channels, but got \d+ channels instead",
         "a convolution's in_channels must equal dim 1 of its input (batch, channels, h, w): "
         "compare the two in the message. Is in_channels not the previous layer's out_channels, "
         "are the images channels-last (`.permute(0, 3, 1, 2)`), or grey against RGB?",
         EXPLANATORY),
    Hint("kernel_too_large", (RuntimeError,),
         r"Kernel size can't be greater than actual input size|Output size is too small",
         "the feature map has become smaller than the kernel or pooling window: check each "
         "layer's size with (n - k + 2p) // s + 1, then add padding, drop a layer or use larger "
         "images.", EXPLANATORY),
)


def hint_for(exc: BaseException) -> str | None:
    """The hint of the first entry of ``HINTS`` that matches ``exc``, or None.

    Introduced in ``01_linear_regression_scratch``.
    """
    for hint in HINTS:
        if hint.matches(exc):
            return hint.text
    return None


def _safe_hint(exc: BaseException) -> str | None:
    try:
        text = hint_for(exc)
        return text if isinstance(text, str) and text else None
    except Exception:  # a broken __str__, say: then no hint, never a second error
        return None


def _has_group(exc: BaseException | None) -> bool:
    group = getattr(builtins, "BaseExceptionGroup", ())
    return exc is not None and (isinstance(exc, group) or _has_group(exc.__context__))


def _show_with_hint(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: show the traceback as IPython would, plus the hint.

    IPython calls it, instead of its own display, for any ``Exception`` raised while compiling
    or running a cell, and ignores what it returns; so it displays the traceback itself.
    """
    if tb is None or tb.tb_frame.f_code.co_name != "run_code":  # raised while compiling
        if issubclass(etype, IndentationError):
            shell.showindentationerror()
        else:
            shell.showsyntaxerror()
        return None
    hint = _safe_hint(value)
    if (hint is None or issubclass(etype, SyntaxError) or hasattr(value, "_render_traceback_")
            or _has_group(value)):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
        return None
    shell._get_exc_info((etype, value, tb))  # sets sys.last_value etc. for %debug and %tb
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    stb = [*stb, PREFIX + hint]
    shell._showtraceback(etype, value, stb)
    if shell.call_pdb:
        shell.debugger(force=True)
    return stb


def _handler(shell, etype, value, tb, tb_offset=None):
    try:
        return _show_with_hint(shell, etype, value, tb, tb_offset)
    except Exception:
        # Never let IPython see this handler fail: it would write to stderr and unregister it.
        try:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset,
                                running_compiled_code=True)
        except Exception:
            pass
        return None


def install(shell=None) -> bool:
    """Make an IPython kernel add the course hint under the traceback of a failing cell.

    Registers an IPython custom exception handler that shows exactly the traceback IPython
    would show, plus a last line ``hint: ...`` when ``hint_for`` knows the error. Installing
    again changes nothing; another custom handler already registered is left alone. Writes
    nothing to stderr (nbgrader zeroes a test cell that does). Returns whether the handler is
    installed; outside IPython it does nothing and returns False.

    Introduced in ``01_linear_regression_scratch``.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    ours = getattr(shell, "_course_hints_handler", None)
    if shell.custom_exceptions and (ours is None or shell.CustomTB is not ours):
        return False
    shell.set_custom_exc((Exception,), _handler)
    shell._course_hints_handler = shell.CustomTB
    return True
