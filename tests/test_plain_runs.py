"""Notebooks run by a plain runner, with no frontend, never stall on ``helpers.explore``.

nbclient (under ``jupyter nbconvert --execute``, ``jupyter execute``, papermill and nbgrader)
imitates an ``Output`` widget that captures output: it sends the widget's state back to the
kernel on the shell channel while it waits there for the cell's reply, and the reply can go
unnoticed forever (jupyter/nbclient#312). ``interact`` captured its first figure that way;
with the old ``explore``, about one explore cell in 20 stalled on 2 cores with two runs at
once, so these runs, 96 explore cells in all, would catch it. ``explore`` now records the first
call in the kernel and the runner has nothing to send.
"""
from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .conftest import REPO, Kernel

EXPLORE_CELLS = 12     # cells calling explore per notebook: each one is a chance to stall
RUNS = 6               # nbconvert runs, two at a time (the machine has 2 cores)
BOUND_S = 60           # a run takes about 10 s with another beside it; a stall never ends
BIN = Path(sys.executable).parent

SETUP = """\
import helpers
import matplotlib.pyplot as plt
from ipywidgets import FloatSlider, IntSlider


def show(scale=1.0, points=3):
    print(f"scale {scale}")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(range(points), [scale * i for i in range(points)])
    ax.set(title=f"scale {scale}", xlabel="x", ylabel="y")
    plt.show()
"""
EXPLORE = ("helpers.explore(show, scale=FloatSlider(value=1.5, min=0, max=3),\n"
           "                points=IntSlider(value=4, min=2, max=9));")


def write_notebook(folder: Path) -> Path:
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_code_cell(SETUP)]
                         + [v4.new_code_cell(EXPLORE) for _ in range(EXPLORE_CELLS)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "explore.ipynb"
    nbformat.write(nb, path)
    return path


def runner_env() -> dict:
    return {**{k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"},
            "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


def run_bounded(command: list[str], cwd: Path) -> None:
    """Run ``command`` (no timeout of its own); fail if it does not finish within BOUND_S."""
    try:
        proc = subprocess.run(command, cwd=cwd, env=runner_env(), capture_output=True,
                              text=True, timeout=BOUND_S)
    except subprocess.TimeoutExpired as stalled:
        pytest.fail(f"{command[0]} stalled: still running after {BOUND_S} s\n"
                    f"{(stalled.stderr or b'')[-2000:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]


def assert_shows_the_default_figure(path: Path) -> None:
    """Each explore cell shows one output: the sliders with the figure of the default values
    beside them (a retina PNG); the Output widget in the saved widget state holds it too."""
    nb = nbformat.read(path, as_version=4)
    states = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    cells = [c for c in nb.cells if c.source == EXPLORE]
    assert len(cells) == EXPLORE_CELLS
    for cell in cells:
        assert [o.output_type for o in cell.outputs] == ["display_data"], cell.outputs
        data, metadata = cell.outputs[0].data, cell.outputs[0].metadata
        assert data["text/plain"] == "show(scale=1.5, points=4), with sliders"
        assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
        assert set(metadata["image/png"]) == {"width", "height"}
        if states:         # nbconvert keeps the widgets' state; jupyter execute does not
            box = states[data["application/vnd.jupyter.widget-view+json"]["model_id"]]["state"]
            out = states[box["children"][-1].removeprefix("IPY_MODEL_")]["state"]
            assert [o["output_type"] for o in out["outputs"]] == ["stream", "display_data"]
            assert out["outputs"][0]["text"] == "scale 1.5\n"
            assert out["outputs"][1]["data"]["image/png"] == data["image/png"]


def test_nbconvert_runs_never_stall_and_show_the_default_figure(tmp_path):
    notebook = write_notebook(tmp_path)

    def run(i: int) -> None:
        run_bounded([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                               notebook.name, "--output", f"run{i}.ipynb"], tmp_path)
        assert_shows_the_default_figure(tmp_path / f"run{i}.ipynb")

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(run, range(RUNS)))


def test_nbclient_and_papermill_runs_never_stall(tmp_path):
    """``jupyter execute`` is nbclient's own runner, the one papermill and nbgrader build on;
    papermill itself runs too where it is installed (it is no dependency of the course)."""
    notebook = write_notebook(tmp_path)
    commands = [[str(BIN / "jupyter"), "execute", notebook.name, "--output", f"run{i}.ipynb"]
                for i in range(2)]
    try:
        import papermill  # noqa: F401
    except ImportError:
        pass
    else:
        commands.append([str(BIN / "papermill"), notebook.name, "run2.ipynb"])
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda c: run_bounded(c, tmp_path), commands))
    for i in range(len(commands)):
        assert_shows_the_default_figure(tmp_path / f"run{i}.ipynb")


# --- what a runner sees of explore, message by message, in a real kernel --------------------

def comm_state(messages, comm_id: str) -> dict:
    """The state of one widget as the kernel sent it: comm_open, then each update."""
    state: dict = {}
    for kind, content in messages:
        if kind in ("comm_open", "comm_msg") and content["comm_id"] == comm_id:
            state.update(content["data"].get("state", {}))
    return state


def models(messages, name: str) -> list[str]:
    return [c["comm_id"] for k, c in messages
            if k == "comm_open" and c["data"]["state"]["_model_name"] == name]


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel({"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"})
    reply, _ = kernel.execute(SETUP + "\nimport sys, warnings\n")
    assert reply["status"] == "ok", reply
    yield kernel
    kernel.close()


def test_explore_gives_a_runner_nothing_to_send_back(kernel):
    """The Output widget never asks the frontend to capture (no ``msg_id``): that capture is
    what nbclient imitates by sending on the shell channel. The kernel fills the widget itself
    and the cell shows the sliders with the default figure beside them."""
    reply, messages = kernel.execute(EXPLORE)
    assert reply["status"] == "ok", reply
    [output] = models(messages, "OutputModel")
    state = comm_state(messages, output)
    assert not state.get("msg_id")
    assert not [c for k, c in messages if k == "comm_msg" and c["data"]["state"].get("msg_id")]
    assert [o["output_type"] for o in state["outputs"]] == ["stream", "display_data"]
    assert state["outputs"][0]["text"] == "scale 1.5\n"
    shown = [c for k, c in messages if k == "display_data"]
    assert len(shown) == 1 and not [k for k, _ in messages if k == "stream"]
    data = shown[0]["data"]
    assert data["image/png"] == state["outputs"][1]["data"]["image/png"]
    assert shown[0]["metadata"]["image/png"] == state["outputs"][1]["metadata"]["image/png"]
    assert "application/vnd.jupyter.widget-view+json" in data


def test_a_moved_slider_redraws_through_the_frontend_as_interact_does(kernel):
    """Once shown, a slider moved in JupyterLab reaches the kernel as a comm message; the
    function runs again inside the Output widget, which the frontend fills."""
    _, messages = kernel.execute(EXPLORE)
    [slider] = models(messages, "FloatSliderModel")
    [output] = models(messages, "OutputModel")
    kc = kernel.kc
    msg = kc.session.msg("comm_msg", {"comm_id": slider, "data": {
        "method": "update", "state": {"value": 2.5}, "buffer_paths": []}})
    kc.shell_channel.send(msg)
    seen = []
    while True:
        reply = kc.get_iopub_msg(timeout=60)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        seen.append((reply["msg_type"], reply["content"]))
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            break
    captures = [c["data"]["state"]["msg_id"] for k, c in seen
                if k == "comm_msg" and c["comm_id"] == output and "msg_id" in c["data"]["state"]]
    assert captures == [msg["header"]["msg_id"], ""]        # capture on, then off
    assert ("stream", {"name": "stdout", "text": "scale 2.5\n"}) in seen
    assert [k for k, _ in seen].count("display_data") == 1   # the new figure


def test_stderr_stays_in_the_cell_and_an_error_at_the_start_values_is_raised(kernel):
    reply, messages = kernel.execute(
        "def warn(x=1):\n    warnings.warn('careful')\n    plt.plot([x, 2])\n    plt.show()\n"
        "helpers.explore(warn, x=IntSlider(value=1));")
    assert reply["status"] == "ok"
    assert any(k == "stream" and c["name"] == "stderr" and "careful" in c["text"]
               for k, c in messages)
    reply, _ = kernel.execute("def broken(x=1):\n    raise ValueError('bad start')\n"
                              "helpers.explore(broken, x=IntSlider(value=1));")
    assert reply["status"] == "error" and reply["evalue"] == "bad start"
    reply, messages = kernel.execute("print('after', sys.stdout.__class__.__name__)")
    assert ("stream", {"name": "stdout", "text": "after OutStream\n"}) in messages


def test_the_exploration_bundle_takes_the_first_image_and_its_metadata():
    from helpers.runtime import _exploration_bundle

    class Shown:
        kwargs = {"lr": 0.1, "name": "relu"}
        out = type("Out", (), {"outputs": (
            {"output_type": "stream", "name": "stdout", "text": "hello\n"},
            {"output_type": "display_data", "data": {"text/plain": "<Figure>", "image/png": "AAA"},
             "metadata": {"image/png": {"width": 10, "height": 5}}},
            {"output_type": "display_data", "data": {"image/png": "BBB"}, "metadata": {}}),
        })()

        def f(self):
            pass

        def _repr_mimebundle_(self):
            return {"text/plain": "Exploration(...)",
                    "application/vnd.jupyter.widget-view+json": {"model_id": "m"}}

    data, metadata = _exploration_bundle(Shown())
    assert data == {"text/plain": "f(lr=0.1, name='relu'), with sliders", "image/png": "AAA",
                    "application/vnd.jupyter.widget-view+json": {"model_id": "m"}}
    assert metadata == {"image/png": {"width": 10, "height": 5}}
    Shown.out.outputs = Shown.out.outputs[:1]
    data, metadata = _exploration_bundle(Shown())
    assert "image/png" not in data and metadata == {}
    assert json.dumps(data)
