"""The judge: decides a judged notebook's grade cells without running learner code.

While nbgrader's ``autograde`` executes a submission in its sandboxed kernel, the grade
cells of a notebook that has an exercise module (``helpers/exercises/nbNN.py``) and hidden
cases (``helpers/grading/hidden/nbNN.py``) are not executed in that kernel. For each one,
the judge, in the grading process, runs the exercise's checks on the visible *and* hidden
cases; every call of the learner's code is a request to the kernel with inputs as data,
answered with data (:mod:`helpers.exercises.wire`, never pickle), which the judge compares
with what it computed itself. The verdict becomes the grade cell's output: a line that the
checks pass, or an error with the learner-facing message. nbgrader reads the points from
that output as from any test cell.

So nothing a submission does inside its kernel decides its points: a patched check, a
forged message or output, an unsealed module can only change the data the kernel sends,
and data is judged on its value. The hidden cases never enter the kernel (only their
inputs do, as arguments of the learner's function).

Introduced in ``03_softmax_scratch`` (the instructor guide).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import queue
import time

from nbformat import NotebookNode

from ..checks import _fail
from ..exercises import agent, wire
from ..exercises.framework import Exercise, Run, Yielded, _copies, module_of


class NoAnswer(Exception):
    """The kernel gave no answer to a request: it ran over time or died."""


class KernelLink:
    """Requests to the learner's kernel through a kernel client ``kc`` (blocking or async, e.g.
    the executing nbclient's) and its manager ``km``; each waits at most ``timeout`` seconds."""

    def __init__(self, kc, km, timeout: float):
        self.kc, self.km, self.timeout = kc, km, timeout

    def request(self, payload: dict) -> dict:
        code = (f"__import__('helpers.exercises.agent', fromlist=['serve']).serve("
                f"{json.dumps(payload, allow_nan=False)!r})")
        msg_id = self.kc.execute(code, silent=False, store_history=False, allow_stdin=False,
                                 stop_on_error=False)
        answers: list = []
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._interrupt()
                raise NoAnswer(f"ran over the {self.timeout:g} s limit and was stopped")
            try:
                msg = _wait(self.kc.get_iopub_msg(timeout=min(1.0, remaining)))
            except queue.Empty:
                if not _wait(self.km.is_alive()):
                    raise NoAnswer("stopped the kernel (it exited or crashed)") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg.get("content", {})
            if kind in ("display_data", "execute_result") and agent.MIME in content.get("data", {}):
                answers.append(content["data"][agent.MIME])
            if kind == "status" and content.get("execution_state") == "idle":
                break
        self._reply(msg_id)
        if len(answers) != 1 or type(answers[0]) is not str:
            raise NoAnswer("sent no answer" if not answers else "sent more than one answer to one request")
        outcome = wire.decode(answers[0])
        if type(outcome) is not dict:
            raise NoAnswer("answered in another format than the course's")
        return outcome

    def _reply(self, msg_id: str) -> None:
        """Take the request's reply off the shell channel (a reply left there would wait for
        the next reader)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                reply = _wait(self.kc.get_shell_msg(timeout=1.0))
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return

    def _interrupt(self) -> None:
        try:
            _wait(self.km.interrupt_kernel())
            self._reply(self.kc.execute("pass", store_history=False))
        except Exception:  # a kernel that does not come back is replaced by the executor
            pass


def _wait(result):
    """``result``, awaited when an async client returned a coroutine."""
    if inspect.isawaitable(result):
        from jupyter_core.utils import run_sync

        async def wait():
            return await result
        return run_sync(wait)()
    return result


class RemoteCall:
    """The judge's ``call`` (see :class:`helpers.exercises.framework.LocalCall`): runs the
    learner's ``target`` in the kernel through ``link`` and returns a :class:`Run` of data."""

    def __init__(self, link: KernelLink, notebook: str, exercise: Exercise, target: str):
        self.link, self.notebook, self.exercise, self.target = link, notebook, exercise, target
        self.history: list[Run] = []

    def __call__(self, *args, **kwargs) -> Run:
        return self._request(None, args, kwargs)

    def via(self, harness: str, *args, **kwargs) -> Run:
        return self._request(harness, args, kwargs)

    def value(self):
        """The learner's variable ``target`` itself, as data."""
        return self._outcome({"value": True}).get("value")

    def _request(self, harness, args, kwargs) -> Run:
        from ..exercises.framework import _signature

        where = f"{self.exercise.name}{_signature(args, kwargs)}"
        payload = {"harness": harness, "args": wire.to_data(tuple(args)),
                   "kwargs": wire.to_data(dict(kwargs))}
        if harness:
            payload["support"] = _support_sources(self.exercise)
        outcome = self._outcome(payload)
        run = Run(where=where, exercise=self.exercise, harness=harness, inputs=_copies(tuple(args)),
                  input_kwargs=_copies(dict(kwargs)), args=_as_tuple(outcome.get("args")),
                  kwargs=outcome.get("kwargs") if type(outcome.get("kwargs")) is dict else {},
                  earlier=list(self.history))
        self.history.append(run)
        if "error" in outcome:
            kind, message, hint = (list(outcome["error"]) + ["", "", ""])[:3]
            run.error = (str(kind), str(message), str(hint))
            return run
        value = outcome.get("value")
        if outcome.get("iterated") is True and type(value) is dict:
            value = Yielded(value.get("items", []), str(value.get("iterator", "iterator")))
        run.value = value
        return run

    def _outcome(self, payload: dict) -> dict:
        __tracebackhide__ = True
        payload = {"notebook": self.notebook, "exercise": self.exercise.name, "target": self.target,
                   **payload}
        try:
            outcome = self.link.request(payload)
        except NoAnswer as err:
            _fail(self.exercise.name, f"the code {err}.", [], None)
        except wire.WireError as err:
            _fail(self.exercise.name, f"the kernel's answer could not be read ({err}).", [], None)
        if "missing" in outcome:
            _fail(self.exercise.name, f"`{self.target}` is not defined in the notebook.", [],
                  "run the cell that defines it; keep its name as the task gives it.")
        if "agent_error" in outcome:
            _fail(self.exercise.name, f"the grading request failed in the kernel: {outcome['agent_error']}",
                  [], None)
        return outcome


def _as_tuple(x) -> tuple:
    return tuple(x) if type(x) in (list, tuple) else ()


def _support_sources(exercise: Exercise) -> dict[str, str]:
    from ..reference import answers

    return {name: inspect.getsource(getattr(answers, name)) for name in exercise.support}


class Judge:
    """The checks of one judged notebook: visible cases from its exercise module, hidden
    ones from ``helpers/grading/hidden/nbNN.py``."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.exercises = module_of(notebook).EXERCISES
        self.hidden = importlib.import_module(f"{__package__}.hidden.nb{notebook[:2]}")

    @classmethod
    def for_notebook(cls, notebook: str) -> "Judge | None":
        """The judge of ``notebook``, or ``None`` when it has no hidden cases (its test cells
        then run in the kernel, as nbgrader runs them)."""
        name = f"{__package__}.hidden.nb{notebook[:2]}"
        if not notebook[:2].isdigit() or importlib.util.find_spec(name) is None:
            return None
        return cls(notebook)

    def exercise_of(self, grade_id: str) -> Exercise | None:
        name = grade_id.removeprefix("test_")
        return self.exercises.by_name.get(name) if grade_id.startswith("test_") else None

    def verdict(self, grade_id: str, link: KernelLink) -> tuple[bool, str]:
        """Run exercise ``grade_id``'s checks, visible and hidden cases, through ``link``:
        ``(True, "")``, or ``(False, the learner-facing message)``."""
        exercise = self.exercise_of(grade_id)
        call = RemoteCall(link, self.notebook, exercise, getattr(exercise, "target", exercise.name))
        cases = list(exercise.visible) + list(getattr(self.hidden, "CASES", {}).get(exercise.name, []))
        try:
            exercise.run(call, cases)
            for extra in getattr(self.hidden, "CHECKS", {}).get(exercise.name, []):
                extra(call)
        except AssertionError as err:
            return False, str(err)
        except Exception as err:  # the learner's data broke a check: it is still a failure
            return False, (f"{exercise.name}: the checks could not read what came back "
                           f"({type(err).__name__}: {err}).")
        return True, ""

    def outputs(self, grade_id: str, link: KernelLink) -> list[NotebookNode]:
        """The grade cell's outputs for its verdict."""
        passed, message = self.verdict(grade_id, link)
        name = grade_id.removeprefix("test_")
        if passed:
            return [NotebookNode(output_type="stream", name="stdout",
                                 text=f"{name}: the checks pass, hidden cases included.\n")]
        return [NotebookNode(output_type="error", ename="AssertionError", evalue=message,
                             traceback=[f"AssertionError: {message}"])]
