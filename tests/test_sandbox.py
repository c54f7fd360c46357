"""The grading sandbox: what a graded kernel can see, write and start, and how grading
survives a kernel that dies or will not stop.

One sandboxed kernel runs a notebook of probes (each cell prints what it found); the tests
read the outputs. CI installs bubblewrap, so there the sandbox must be available.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import helpers
from helpers.grading import sandbox
from helpers.grading.results import read_events

REPO = Path(__file__).resolve().parents[1]
PROBLEM = sandbox.problem()

if os.environ.get("CI"):
    assert PROBLEM is None, f"CI installs bubblewrap, yet: {PROBLEM}"
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=f"no sandbox here: {PROBLEM}")

SECRET = "gradebook and solutions live here"

PROBES = {
    "cwd": "import os\nprint(os.getcwd() == SCRATCH, sorted(os.listdir('.')))",
    "repository": "print(sorted(os.listdir(REPO)))",
    "secret": "try:\n    print(open(SECRET_FILE).read())\nexcept OSError as e:\n    print(type(e).__name__)",
    "write_repo": "try:\n    open(os.path.join(REPO, 'helpers', 'x.py'), 'w')\nexcept OSError as e:\n"
                  "    print(type(e).__name__, e.errno)",
    "write_scratch": "open('mine.txt', 'w').write('ok')\nprint(open('mine.txt').read())",
    "tmp": "print(os.path.exists(HOST_TMP_FILE), os.path.exists('/tmp'))",
    "network": "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
               "except OSError as e:\n    print(type(e).__name__, e.errno)",
    "setsid": "import subprocess\np = subprocess.Popen(['setsid', 'sleep', '1234.5'])\nprint('started')",
    "memory": "import torch\ntry:\n    torch.empty(6 * 2**30, dtype=torch.uint8).fill_(1)\n"
              "except RuntimeError as e:\n    print('refused', 'can\\'t allocate memory' in str(e))",
    "helpers": "import helpers\nX, y = next(iter(helpers.load_data_fashion_mnist(256)[0]))\n"
               "print(tuple(X.shape), os.access(helpers.__file__, os.W_OK))",
    "grading": "grading = os.path.join(os.path.dirname(helpers.__file__), 'grading')\ntry:\n"
               "    open(os.path.join(grading, 'x.py'), 'w')\nexcept OSError as e:\n"
               "    print(sorted(os.listdir(grading)), e.errno)",
}


def _run_probes(tmp_path: Path, cells: dict[str, str], timeout: int = 60, **manager):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    secret = tmp_path / "course" / "gradebook.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    host_tmp_file = tempfile.NamedTemporaryFile(prefix="host-", dir="/tmp")
    setup = (f"REPO, SCRATCH, SECRET_FILE = {str(REPO)!r}, {str(scratch.resolve())!r}, "
             f"{str(secret)!r}\nHOST_TMP_FILE = {host_tmp_file.name!r}")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup)] + [
        nbformat.v4.new_code_cell(source, id=name) for name, source in cells.items()])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, allow_errors=True,
                            kernel_manager_class=sandbox.SandboxKernelManager,
                            resources={"metadata": {"path": str(scratch)}})
    km = client.km = client.create_kernel_manager()
    km.hidden = [str(REPO), str(secret.parent)]
    for key, value in manager.items():
        setattr(km, key, value)
    with host_tmp_file:
        client.execute()
    outputs = {}
    for cell in nb.cells[1:]:
        outputs[cell.id] = "".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}"
                                   for o in cell.outputs).strip()
    return outputs, km


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    outputs, _ = _run_probes(tmp_path_factory.mktemp("probes"), PROBES)
    return outputs


def test_the_kernel_works_in_its_scratch_folder(probes):
    assert probes["cwd"] == "True []"
    assert probes["write_scratch"] == "ok"


def test_the_repository_shows_only_the_python_environment_and_helpers(probes):
    visible = eval(probes["repository"])  # a printed list of names
    assert "solutions" not in visible and "gradebook.db" not in visible and "course" not in visible
    assert "helpers" in visible


def test_hidden_folders_are_empty(probes):
    assert probes["secret"] == "FileNotFoundError"


def test_nothing_outside_the_scratch_folder_is_writable(probes):
    assert probes["write_repo"] == "OSError 30"  # EROFS: read-only file system


def test_tmp_is_private(probes):
    assert probes["tmp"] == "False True"  # a /tmp of its own, without the machine's files


def test_there_is_no_network(probes):
    assert probes["network"] == "OSError 101"  # ENETUNREACH


def test_every_process_is_gone_with_the_kernel(probes):
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleep 1234.5" not in ps


@pytest.mark.parametrize("now", [True, False], ids=["killed", "shut_down"])
def test_a_kernel_that_ends_is_reaped_at_once(tmp_path, now):
    # bwrap and the kernel, its child, are gone from /proc, not even zombies: one left for
    # the machine's init to reap may stay for seconds, or for good where init never reaps
    async def start_and_stop():
        km = sandbox.SandboxKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
        finally:
            kc.stop_channels()
        bwrap = km.provisioner.process.pid
        kernel = int(Path(f"/proc/{bwrap}/task/{bwrap}/children").read_text().split()[0])
        await km.shutdown_kernel(now=now)
        return {"bwrap": bwrap, "kernel": kernel}

    for _ in range(2):
        pids = asyncio.run(start_and_stop())
        assert [name for name, pid in pids.items() if Path(f"/proc/{pid}").exists()] == []


def test_memory_per_process_is_capped(probes):
    assert probes["memory"] == "refused True"


def test_helpers_and_fashion_mnist_are_there(probes):
    assert probes["helpers"] == "(256, 1, 28, 28) False"  # there, and read-only


def test_the_instructors_package_is_hidden_and_read_only(probes):
    assert probes["grading"] == "[] 30"  # helpers/grading: empty, and EROFS


def test_too_many_processes_kill_the_sandbox(tmp_path):
    bomb = ("import os, time\nfor i in range(100):\n    if os.fork() == 0:\n"
            "        time.sleep(30)\n        os._exit(0)\nprint('survived')")
    start = time.monotonic()
    with pytest.raises(Exception, match="Kernel died"):
        _run_probes(tmp_path, {"bomb": bomb}, processes=20)
    assert time.monotonic() - start < 20
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert ps.count("python") < 50


def test_the_command_hides_before_it_binds_back(tmp_path):
    course, env, scratch = tmp_path / "course", tmp_path / "course" / "env", tmp_path / "scratch"
    inner = env / "inner"
    for folder in (inner, scratch):
        folder.mkdir(parents=True)
    argv = sandbox.command(scratch, tmp_path, [course], [env], masked=[inner])
    mounts = [(argv[i], argv[i + 1]) for i in range(len(argv) - 1) if argv[i].startswith("--")]
    assert mounts.index(("--tmpfs", str(course))) < mounts.index(("--ro-bind", str(env))) \
        < mounts.index(("--tmpfs", str(inner))) < mounts.index(("--remount-ro", str(inner))) \
        < mounts.index(("--bind", str(scratch)))
    assert "--unshare-all" in argv and "--die-with-parent" in argv


def test_visible_paths_include_the_environment_and_helpers():
    visible = sandbox.visible_read_only()
    assert Path(helpers.__file__).resolve().parent in visible
    assert any(Path(os.__file__).resolve().is_relative_to(p) for p in visible)
    assert sandbox.instructor_only() == [Path(sandbox.__file__).resolve().parent]


def test_grading_survives_a_kernel_that_dies_or_will_not_stop(tmp_path):
    cells = {
        "define": "def f():\n    return 41 + 1",
        "exit": "import os\nos._exit(3)",
        "after_exit": "print(f())",
        "deaf": "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)",
        "after_deaf": "print(f())",
        "loop": "while True:\n    pass",
        "after_loop": "print(f())",
    }
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, id=name)
                                         for name, source in cells.items()])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    events = tmp_path / "events.jsonl"
    execute = sandbox.SandboxedExecute(timeout=3, events_file=str(events),
                                       scratch_root=str(tmp_path))
    start = time.monotonic()
    execute.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert time.monotonic() - start < 45
    out = {c.id: c.outputs for c in nb.cells}
    for name in ("after_exit", "after_deaf", "after_loop"):
        assert [o.get("text") for o in out[name]] == ["42\n"], name
    assert "The kernel died while running this cell" in out["exit"][-1].evalue
    assert "ran over the 3 s limit" in out["deaf"][-1].evalue
    assert out["loop"][-1].ename in ("KeyboardInterrupt", "CellTimeoutError")
    assert [(e.event, e.grade_id, e.limit) for e in read_events(events)] == [
        ("died", None, 3), ("timeout", None, 3), ("timeout", None, 3), ("timeout", None, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]  # scratch removed
