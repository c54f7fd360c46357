"""Kernels in a sandbox: what a graded notebook may see, write and start.

A submission's code runs in a Jupyter kernel that :class:`SandboxKernelManager` starts
inside bubblewrap (``bwrap``, Debian package ``bubblewrap``), a user-namespace sandbox:

- the system and the Python environment are visible read-only; the home folder, the course
  repository (reference solutions, gradebook, release notebooks), the submissions folder
  and the results folder are hidden behind empty folders, except the learner's ``helpers``
  package, the Python environment and the data sets, which stay visible read-only; the
  instructor's side, ``helpers/grading``, stays hidden (:func:`instructor_only`);
- the kernel's working folder (the submission's scratch copy) is the only place it can
  write, besides a private, empty ``/tmp``;
- no network (a network namespace of its own with no interface but loopback); the kernel
  talks to the grader over unix sockets (ZMQ's ``ipc`` transport) in a private folder;
- its own process namespace, in which the kernel is the first process (``--as-pid-1``):
  every process it starts, ``setsid`` or not, is killed with it, and bwrap reaps the
  kernel itself, so that nothing is left for the machine's init to reap;
- each process may hold at most ``memory_mb`` of data (``RLIMIT_DATA``), and the sandbox at
  most ``processes`` processes: a watchdog kills it, and the kernel dies, when it holds more.

What it does not protect: the CPU (use the grader's per-cell timeout), the disk space of the
scratch folder, and the kernel's view of everything else that is readable on the machine
(files outside the hidden folders, e.g. ``/etc``). It is a second wall, not a container.

:class:`Sandbox` holds the settings of a grading run (on or off, what to hide, the caps) and
turns them into the traitlets configuration of :class:`SandboxedExecute` and
:class:`SandboxKernelManager`.
"""
from __future__ import annotations

import asyncio
import copy
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode
from traitlets.config import Config

from .. import fashion_mnist
from .judge import Judge, KernelLink
from .results import Event, KernelEvent

DEFAULT_MEMORY_MB = 4096
DEFAULT_PROCESSES = 64


def problem() -> str | None:
    """Why kernels cannot run in a sandbox on this machine, or ``None`` when they can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (this is {sys.platform})"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    if shutil.which("prlimit") is None:
        return "prlimit (util-linux) is not installed"
    trial = subprocess.run([bwrap, *_isolation(), "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True, timeout=30)
    if trial.returncode != 0:
        return f"bubblewrap cannot start a sandbox here: {trial.stderr.strip()[:300]}"
    return None


def _isolation() -> list[str]:
    # --as-pid-1: without it, bwrap's own init runs the kernel and outlives it, orphaned
    # (a `[bwrap] <defunct>` until the machine's init reaps it, which some never do)
    return ["--unshare-all", "--unshare-user", "--as-pid-1", "--die-with-parent",
            "--cap-drop", "ALL"]


def visible_read_only() -> list[Path]:
    """What a graded kernel needs to read: the Python environment, the learner's ``helpers``
    package, the data."""
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent,
             Path(fashion_mnist.__file__).resolve().parent,   # helpers
             fashion_mnist.cache_dir(), *map(Path, sysconfig.get_paths().values())]
    if os.environ.get(fashion_mnist.ENV_DIR):
        paths.append(Path(os.environ[fashion_mnist.ENV_DIR]))
    # each as it is named and as it really is: a symlinked environment works both ways
    return sorted({q for p in paths if p.exists() for q in (p.absolute(), p.resolve())})


def instructor_only() -> list[Path]:
    """Folders inside the visible ones that a graded kernel must not see either: this
    package, the instructor's side (no learner module imports it)."""
    return [Path(__file__).resolve().parent]


def stand_ins() -> dict[Path, Path]:
    """Folders of the learner's package replaced while a judged notebook is graded, and what
    replaces them: ``helpers/reference`` (the course's answers) by a package whose import
    fails with a message saying why."""
    here = Path(__file__).resolve().parent
    return {here.parent / "reference": here / "stand_ins" / "reference"}


def command(scratch: Path, sockets: Path, hidden: list[Path], visible: list[Path],
            memory_mb: int = DEFAULT_MEMORY_MB, masked: list[Path] | None = None,
            replaced: dict[Path, Path] | None = None) -> list[str]:
    """The ``prlimit … bwrap …`` prefix that starts a program in the sandbox.

    ``hidden`` folders are replaced by empty ones, then ``visible`` ones (read-only) are
    bound back on top, ``masked`` folders inside them replaced by empty read-only ones,
    ``replaced`` ones by their stand-ins (read-only), and ``scratch`` and ``sockets``
    (writable) bound back, in that order.
    """
    argv = ["prlimit", f"--data={memory_mb * 2**20}", "--core=0", "--",
            shutil.which("bwrap") or "bwrap", *_isolation(),
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--tmpfs", "/dev/shm"]
    for path in hidden:
        if Path(path).is_dir():
            argv += ["--tmpfs", str(Path(path).resolve())]
    for path in visible:
        argv += ["--ro-bind", str(Path(path).resolve()), str(path)]
    for path in masked or []:
        if Path(path).is_dir():
            folder = str(Path(path).resolve())
            argv += ["--tmpfs", folder, "--remount-ro", folder]
    for target, source in (replaced or {}).items():
        argv += ["--ro-bind", str(Path(source).resolve()), str(Path(target).resolve())]
    for path in (scratch, sockets):
        argv += ["--bind", str(Path(path).resolve()), str(Path(path).resolve())]
    home = Path(scratch).resolve()
    return argv + ["--setenv", fashion_mnist.ENV_CACHE, str(fashion_mnist.cache_dir()),
                   "--chdir", str(home), "--setenv", "HOME", str(home),
                   "--setenv", "IPYTHONDIR", "/tmp/.ipython",
                   "--setenv", "MPLCONFIGDIR", "/tmp/.matplotlib",
                   # no parent polling: the sandbox dies with the grader anyway
                   "--setenv", "JPY_PARENT_PID", "1", "--"]


def _namespace_processes(namespace: str) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.readlink(f"/proc/{entry.name}/ns/pid") == namespace:
                    count += 1
            except OSError:
                pass
    return count


class _Watchdog(threading.Thread):
    """Finds the kernel, bwrap's child and the first process of the sandbox's PID namespace;
    kills it, and with it the whole sandbox, when the sandbox holds too many processes."""

    def __init__(self, bwrap_pid: int, limit: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.bwrap_pid, self.limit, self.interval = bwrap_pid, limit, interval
        self.stopped = threading.Event()
        self.searched = threading.Event()
        self.tripped = False
        self.kernel: int | None = None  # a pidfd: it names that process, never a reused pid

    def _find_kernel(self) -> tuple[int, str] | None:
        children = Path(f"/proc/{self.bwrap_pid}/task/{self.bwrap_pid}/children")
        for _ in range(200):  # bwrap forks it right away
            try:
                pids = children.read_text().split()
                if pids:
                    fd = os.pidfd_open(int(pids[0]))
                    return fd, os.readlink(f"/proc/{pids[0]}/ns/pid")
            except OSError:
                return None
            time.sleep(0.01)
        return None

    def kill_kernel(self) -> bool:
        """SIGKILL the kernel, which takes every process of the sandbox with it; whether it
        was found. bwrap, its parent, reaps it and exits by itself."""
        self.searched.wait(5)
        if self.kernel is None:
            return False
        try:
            signal.pidfd_send_signal(self.kernel, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it has exited already
        return True

    def close(self) -> None:
        self.stopped.set()
        self.searched.wait(5)
        if self.kernel is not None:
            os.close(self.kernel)
            self.kernel = None

    def run(self):
        found = None
        try:
            found = self._find_kernel()
        finally:
            if found is not None:
                self.kernel = found[0]
            self.searched.set()
        if found is None:
            return
        while not self.stopped.wait(self.interval):
            if _namespace_processes(found[1]) > self.limit:
                self.tripped = True
                self.kill_kernel()
                return


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the sandbox described in this module.

    The kernel's working folder (nbclient passes the notebook's folder) is its scratch
    space. Configure ``hidden`` with the folders it must not see.
    """

    hidden = List(Unicode(), help="folders the kernel must not see").tag(config=True)
    memory_mb = Integer(DEFAULT_MEMORY_MB, help="data memory per process, in MiB").tag(config=True)
    processes = Integer(DEFAULT_PROCESSES, help="processes in the sandbox").tag(config=True)
    without_reference = Bool(False, help="replace helpers/reference by a package that cannot be "
                                         "imported (judged notebooks)").tag(config=True)

    _sockets: Path | None = None
    _watchdog: _Watchdog | None = None

    async def _async_pre_start_kernel(self, **kw):
        if self._sockets is None:
            self._sockets = Path(tempfile.mkdtemp(prefix="kernel-"))
            self.transport = "ipc"
            self.ip = str(self._sockets / "ipc")
            self.connection_file = str(self._sockets / "kernel.json")
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"  # no signal has to cross the sandbox
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        scratch = Path(self._launch_args.get("cwd") or os.getcwd())
        return command(scratch, self._sockets, [Path(h) for h in self.hidden],
                       visible_read_only(), self.memory_mb, masked=instructor_only(),
                       replaced=stand_ins() if self.without_reference else None) + cmd

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if self._watchdog is not None:
            self._watchdog.close()
        if process is not None:
            self._watchdog = _Watchdog(process.pid, self.processes)
            self._watchdog.start()

    @property
    def too_many_processes(self) -> bool:
        """Whether the watchdog killed the kernel for starting too many processes."""
        return bool(self._watchdog and self._watchdog.tripped)

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        # jupyter_client kills the kernel's process group, bwrap with it: the kernel, orphaned,
        # would be left to the machine's init to reap, which may take seconds or never happen
        # (a `[bwrap] <defunct>` left behind). Killing the kernel first lets bwrap reap it and
        # exit; jupyter_client then reaps bwrap (left unreaped until then, so that its
        # process group cannot be taken by another before it is signalled).
        process = getattr(self.provisioner, "process", None)
        if process is not None and self._watchdog is not None and self._watchdog.kill_kernel():
            for _ in range(500):
                try:
                    if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                        break
                except ChildProcessError:  # reaped already
                    break
                await asyncio.sleep(0.01)
        await super()._async_kill_kernel(restart=restart)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        if self._watchdog is not None:
            self._watchdog.close()  # kept: too_many_processes reads it after the kernel died
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` with the kernel in the sandbox, and a kernel that dies survived.

    The kernel's working folder is a fresh scratch folder (``scratch_root``), not the
    folder nbgrader writes the graded notebook to. When a cell kills the kernel (it exits,
    or runs out of memory or processes) or runs over the time limit and ignores the
    interrupt, that cell gets an error output saying so, a new kernel re-runs the cells
    that ran before it (tests excepted) and grading goes on with the next cell.
    Each such event is appended to ``events_file``, as a :class:`KernelEvent` line.
    """

    sandbox = Bool(True, help="start the kernel in the sandbox").tag(config=True)
    judge = Bool(True, help="let the judge decide the grade cells of a notebook that has one "
                            "(helpers/grading/judge.py)").tag(config=True)
    scratch_root = Unicode("", help="where scratch folders are made (default: temp)").tag(config=True)
    events_file = Unicode("", help="where to append what happened to cells").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shutdown_kernel = "immediate"
        self._judge = None
        self.record_timing = False  # the graded notebook depends on the code, not on the clock

    def preprocess(self, nb, resources=None, km=None):
        if self.sandbox:
            self.kernel_manager_class = SandboxKernelManager
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        notebook = self.resources.get("nbgrader", {}).get("notebook", "")
        self._judge = Judge.for_notebook(notebook) if self.judge else None
        scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=self.scratch_root or None))
        self.resources.setdefault("metadata", {})["path"] = str(scratch)
        replay: list[int] = []  # cells a new kernel re-runs: the ones that ran, tests excepted
        index, cells = 0, self.nb.cells
        try:
            while index < len(cells):
                with self.setup_kernel():
                    info = self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                    for i in replay:
                        if not self._replay(cells[i], i):
                            break
                    while index < len(cells):
                        cell = cells[index]
                        try:
                            self.preprocess_cell(cell, self.resources, index)
                        except (DeadKernelError, CellTimeoutError) as err:
                            self._stopped(cell, err)
                            index += 1
                            break
                        if cell.cell_type == "code" and not utils.is_grade(cell):
                            replay.append(index)
                        index += 1
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxKernelManager) and self._judge is not None:
            km.without_reference = True   # a judged notebook's kernel gets no reference answers
        return km

    def preprocess_cell(self, cell, resources, index):
        """Execute the cell; a grade cell the judge knows is decided by the judge instead."""
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if (self._judge is not None and cell.cell_type == "code" and utils.is_grade(cell)
                and self._judge.exercise_of(grade_id) is not None):
            self._check_assign_resources(resources)
            cell.outputs = self._judge.outputs(grade_id, KernelLink(self.kc, self.km, self.timeout or 120))
            cell.execution_count = None
            if not run_sync(self.km.is_alive)():
                raise DeadKernelError("the kernel died while the judge ran this exercise")
            return cell, self.resources
        return super().preprocess_cell(cell, resources, index)

    async def _async_handle_timeout(self, timeout, cell=None):
        # nbgrader's settings: interrupt, then an error reply; a cell that ignores the
        # interrupt raises CellTimeoutError a few seconds later and loses its kernel
        self._event(Event.TIMEOUT, cell)
        return await super()._async_handle_timeout(timeout, cell)

    def _replay(self, cell, index) -> bool:
        try:
            self.execute_cell(copy.deepcopy(cell), index, store_history=False)
            return True
        except (DeadKernelError, CellTimeoutError):
            return False

    def _stopped(self, cell, err) -> None:
        timed_out = isinstance(err, CellTimeoutError)
        crowded = bool(self.km is not None and getattr(self.km, "too_many_processes", False))
        if timed_out:
            kind = Event.TIMEOUT
            text = (f"This cell ran over the {self.timeout} s limit and was stopped; "
                    "grading went on with a new kernel.")
        elif crowded:
            kind = Event.PROCESSES
            text = ("This cell started more processes than grading allows, so its kernel was "
                    "stopped; grading went on with a new kernel.")
        else:
            kind = Event.DIED
            text = ("The kernel died while running this cell (it exited, crashed or ran out of "
                    "memory); grading went on with a new kernel.")
        cell.setdefault("outputs", []).append(NotebookNode(
            output_type="error", ename="GradingStopped", evalue=text,
            traceback=[f"GradingStopped: {text}"]))
        self._event(kind, cell)

    def _event(self, kind: Event, cell) -> None:
        if self.events_file and cell is not None:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            KernelEvent(kind, cell.get("id"), grade_id, self.timeout).append_to(self.events_file)


@dataclass
class Sandbox:
    """Where graded kernels run: on or off, what they must not see, their caps."""

    enabled: bool
    hidden: list[Path]
    memory_mb: int = DEFAULT_MEMORY_MB
    processes: int = DEFAULT_PROCESSES
    problem: str | None = None

    def describe(self) -> str:
        if self.enabled:
            return (f"sandbox: on (bubblewrap; no network, {self.memory_mb} MiB per process, "
                    f"{self.processes} processes)")
        return (f"sandbox: OFF ({self.problem}); student code runs with your permissions: "
                "grade untrusted submissions in a container or a throw-away account")

    def config(self, scratch_root: Path, events_file: Path) -> Config:
        """The settings of :class:`SandboxedExecute` and :class:`SandboxKernelManager` for
        one student's grading: scratch folders made in ``scratch_root``, events appended
        to ``events_file``."""
        c = Config()
        c.SandboxedExecute.sandbox = self.enabled
        c.SandboxedExecute.scratch_root = str(scratch_root)
        c.SandboxedExecute.events_file = str(events_file)
        c.SandboxKernelManager.hidden = [str(p) for p in self.hidden]
        c.SandboxKernelManager.memory_mb = self.memory_mb
        c.SandboxKernelManager.processes = self.processes
        return c
