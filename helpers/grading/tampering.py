"""Finding code in a submission that tampers with grading, for an instructor to review.

The course's test cells import their own checks and the helpers are read-only, so most
one-line tricks fail anyway (see ``tests/wrong_answers``). What gets through a test is the
patching of whatever the checks rely on. The grader reads each code cell a learner could
edit and reports the lines that

- change the course's modules or the libraries the checks use (``helpers``, ``torch``,
  ``numpy``, ``builtins``, ``sys``, IPython), by assignment, ``setattr``, ``vars()`` or
  ``__dict__``, or ``sys.modules``;
- rebind the checks' names (``assert_close = ...``) in the notebook;
- hook into IPython (event callbacks, custom exception handlers, input or AST transformers)
  or the interpreter (``sys.excepthook``, ``sys.settrace``, ``ctypes``, ``gc.get_referrers``);
- build code from strings (``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``),
  which hides all of the above;
- define answers that claim equality: classes with ``__eq__`` or ``__torch_function__``,
  or subclasses of ``torch.Tensor``.

A finding does not change a score: the submission's status becomes ``review`` with the
lines, for a person to judge. Honest code (``torch.no_grad``, ``%matplotlib``,
``get_ipython().run_line_magic``, ``torch.manual_seed``, ``nn.Module`` subclasses) is not
reported.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from nbgrader import utils

PROTECTED = ("helpers", "torch", "numpy", "builtins", "sys", "IPython", "ipykernel", "nbgrader",
             "unittest", "math")
# settings a learner may legitimately change
ALLOWED = ("torch.backends.", "numpy.random.seed")
IPYTHON_HOOKS = {"events", "set_custom_exc", "showtraceback", "showsyntaxerror",
                 "ast_transformers", "input_transformers_cleanup", "input_transformers_post",
                 "input_transformer_manager", "register_magic_function", "register_magics",
                 "set_hook", "custom_exceptions", "InteractiveTB", "SyntaxTB", "run_cell",
                 "run_cell_async", "excepthook", "displayhook", "settrace", "setprofile",
                 "meta_path", "path_hooks", "get_referrers", "get_objects"}
DYNAMIC = {"exec", "eval", "compile", "__import__", "execfile"}
DYNAMIC_MODULES = {"importlib", "ctypes", "gc", "inspect", "types"}
CHECK_NAMES = {"assert_close", "assert_shape", "assert_dtype", "assert_float", "check",
               "unchanged", "helpers", "torch"}


@dataclass(frozen=True)
class Finding:
    cell: str      # the cell's id
    line: int      # 1-based line in the cell
    code: str      # the line itself
    why: str

    def __str__(self) -> str:
        return f"cell {self.cell} line {self.line}: `{self.code.strip()[:80]}` ({self.why})"


def _python(source: str) -> str:
    """The cell as Python, magics turned into calls, as IPython runs it."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _Reader(ast.NodeVisitor):
    def __init__(self):
        self.modules: dict[str, str] = {}   # local name -> module it stands for
        self.found: list[tuple[int, str]] = []

    # --- what names stand for ---
    def visit_Import(self, node):
        for alias in node.names:
            root = alias.name.split(".")[0]
            if alias.name.split(".")[0] in DYNAMIC_MODULES:
                self.found.append((node.lineno, f"imports {alias.name}"))
            self.modules[alias.asname or root] = alias.name if alias.asname else root

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if module.split(".")[0] in DYNAMIC_MODULES:
            self.found.append((node.lineno, f"imports from {module}"))
        for alias in node.names:
            self.modules[alias.asname or alias.name] = f"{module}.{alias.name}"

    def qualified(self, node) -> str | None:
        """``helpers.checks.check`` for an expression naming something in a module."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.modules:
            return ".".join([self.modules[node.id], *reversed(parts)])
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            return ".".join(["builtins", *reversed(parts)])
        return None

    def protected(self, node) -> str | None:
        name = self.qualified(node)
        if name and name.split(".")[0] in PROTECTED and not name.startswith(ALLOWED):
            return name
        return None

    # --- what gets changed ---
    def _target(self, target, lineno):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, lineno)
        elif isinstance(target, ast.Attribute) and (name := self.protected(target)):
            self.found.append((lineno, f"changes {name}"))
        elif isinstance(target, ast.Subscript) and (name := self.protected(target.value)):
            self.found.append((lineno, f"changes {name}[...]"))
        elif isinstance(target, ast.Name) and target.id in CHECK_NAMES:
            self.found.append((lineno, f"rebinds the course's `{target.id}`"))

    def visit_Assign(self, node):
        for target in node.targets:
            self._target(target, node.lineno)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._target(target, node.lineno)
        self.generic_visit(node)

    def visit_For(self, node):
        # `for module in (helpers, helpers.checks): setattr(module, ...)`
        if isinstance(node.target, ast.Name) and isinstance(node.iter, (ast.Tuple, ast.List)):
            names = [self.protected(e) for e in node.iter.elts]
            if any(names):
                self.modules[node.target.id] = next(n for n in names if n)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in DYNAMIC:
            self.found.append((node.lineno, f"runs code from a string ({name})"))
        if name in ("setattr", "delattr") and node.args and (target := self.protected(node.args[0])):
            self.found.append((node.lineno, f"changes {target} ({name})"))
        if name == "vars" and node.args and (target := self.protected(node.args[0])):
            self.found.append((node.lineno, f"reaches into {target} (vars)"))
        if isinstance(func, ast.Attribute) and (target := self.protected(func.value)):
            if target.endswith("sys.modules") or target == "sys.modules":
                self.found.append((node.lineno, "changes sys.modules"))
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in IPYTHON_HOOKS:
            self.found.append((node.lineno, f"hooks into the interpreter (.{node.attr})"))
        elif node.attr == "__dict__" and (target := self.protected(node.value)):
            self.found.append((node.lineno, f"reaches into {target} (__dict__)"))
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        for base in node.bases:
            if self.qualified(base) in ("torch.Tensor", "torch.tensor"):
                self.found.append((node.lineno, "defines a torch.Tensor subclass"))
        for item in node.body:
            names = ([item.name] if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                     else [t.id for t in getattr(item, "targets", []) if isinstance(t, ast.Name)])
            if isinstance(item, ast.Assign):  # `__eq__ = __ne__ = lambda ...`
                names = [t.id for t in item.targets if isinstance(t, ast.Name)]
            for method in set(names) & {"__eq__", "__ne__", "__torch_function__"}:
                self.found.append((getattr(item, "lineno", node.lineno),
                                   f"defines {method} (an answer that claims equality)"))
        self.generic_visit(node)


def find(nb, release=None) -> list[Finding]:
    """The tampering found in a notebook's code cells.

    Test cells are skipped (grading replaces them with the originals), and so are cells
    whose code is that of a cell of the ``release`` notebook (the course's own code).
    """
    original = {c.source.strip() for c in release.cells} if release is not None else set()
    found = []
    reader = _Reader()  # one for the notebook: imports carry over from cell to cell
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or (utils.is_grade(cell) and not utils.is_solution(cell)):
            continue
        source = cell.source
        if source.strip() in original:
            try:
                reader.visit(ast.parse(_python(source)))  # its imports still count
            except SyntaxError:
                pass
            continue
        try:
            tree = ast.parse(_python(source))
        except SyntaxError:
            continue
        reader.found = []
        reader.visit(tree)
        python_lines = _python(source).splitlines()
        for lineno, why in reader.found:
            line = python_lines[lineno - 1] if 0 < lineno <= len(python_lines) else ""
            found.append(Finding(cell.get("id", str(index)), lineno, line, why))
    return found
