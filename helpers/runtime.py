"""Where course code is running: a Jupyter kernel, an nbgrader run, or a plain script.

Helpers stay quiet outside notebooks and keep stderr clean under nbgrader, because
nbgrader scores a test cell 0 when anything reaches stderr.
"""
from __future__ import annotations

import functools
import io
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
    """Show ``function`` with sliders, as ``ipywidgets.interact(function, **widgets)`` does, in a
    way that no notebook runner can stall on.

    ``interact`` draws its first figure into an ``Output`` widget while the cell runs. A runner
    with no frontend built on nbclient (``jupyter nbconvert --execute``, papermill, nbgrader)
    imitates that widget: for each output it sends the widget's new state to the kernel on the
    shell channel while it waits on that same channel for the cell's reply. jupyter_client sends
    through a blocking shadow of the asyncio socket, which can swallow the wake-up of a reply
    that has just arrived, and the runner then waits for it forever (jupyter/nbclient#312).

    So the kernel calls ``function`` once with the widgets' values itself, records what it shows
    (figures, printed text) and puts that in the ``Output`` widget: the runner has nothing to
    imitate and nothing to send. The cell gets one output, the sliders, with that first figure
    beside them as a static stand-in (``image/png``): JupyterLab shows the sliders, and moving
    one redraws as ``interact`` does; a runner's notebook, CI and an HTML export without the
    widgets' state show the figure. Text on stderr (a warning) stays in the cell, and an error
    at the start values is raised. Outside IPython this is plain ``interact``.

    While nbgrader grades or validates, nobody looks at sliders, so this does nothing and
    returns None. Otherwise it returns ``function`` with the widget as its ``widget`` attribute,
    as ``interact`` does.

    Introduced in ``01_linear_regression_scratch``.
    """
    if under_grading():
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        from ipywidgets import interact

        return interact(function, **widgets)
    from IPython.display import display

    shown = _exploration()(function, **widgets)
    data, metadata = _exploration_bundle(shown)
    display(data, raw=True, metadata=metadata)
    try:
        function.widget = shown
    except AttributeError:              # a bound method takes no attributes: wrap it, as interact does
        def wrapped(*args, **kwargs):
            return function(*args, **kwargs)
        wrapped.widget = shown
        return wrapped
    return function


def _exploration_bundle(shown) -> tuple[dict, dict]:
    """What ``explore`` displays for the widget ``shown``: its widget view, plus the first image
    its ``Output`` holds (with that image's metadata, retina size included) as the static
    stand-in that a reader of the notebook without the widgets sees."""
    data, metadata = dict(shown._repr_mimebundle_()), {}
    values = ", ".join(f"{name}={value!r}" for name, value in shown.kwargs.items())
    data["text/plain"] = f"{getattr(shown.f, '__name__', 'function')}({values}), with sliders"
    for output in shown.out.outputs:
        images = {k: v for k, v in output.get("data", {}).items() if k.startswith("image/")}
        if images:
            data.update(images)
            metadata = {k: v for k, v in output.get("metadata", {}).items() if k in images}
            break
    return data, metadata


@functools.cache
def _exploration():
    """The widget ``explore`` shows: ``ipywidgets.interactive`` whose first call is recorded in
    the kernel (``_Recording``) instead of captured by the frontend."""
    from ipywidgets import interactive
    from ipywidgets.widgets.interaction import show_inline_matplotlib_plots

    class Exploration(interactive):
        started = False

        def update(self, *args):
            if self.started:                    # a slider moved: a frontend is there to capture
                return super().update(*args)
            self.started = True
            show_inline_matplotlib_plots()      # figures the cell drew before, as interact does
            self.kwargs = {w._kwarg: w.get_interact_value() for w in self.kwargs_widgets}
            with _Recording() as outputs:
                self.result = self.f(**self.kwargs)
                show_inline_matplotlib_plots()  # figures drawn without plt.show()
            self.out.outputs = tuple(outputs)

    return Exploration


class _Recording:
    """``with _Recording() as outputs:`` turns what the block displays or prints on stdout into
    nbformat output dicts in ``outputs``, in order, instead of sending them; stderr goes on."""

    def __enter__(self) -> list[dict]:
        from IPython import get_ipython
        from IPython.core.displaypub import DisplayPublisher

        outputs: list[dict] = []
        shown_at: dict[str, int] = {}                 # display_id -> index in outputs

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                        **kwargs):
                output = {"output_type": "display_data", "data": data, "metadata": metadata or {}}
                display_id = (transient or {}).get("display_id")
                if update and display_id in shown_at:   # update_display: replace it in place
                    outputs[shown_at[display_id]] = output
                    return
                if display_id:
                    shown_at[display_id] = len(outputs)
                outputs.append(output)

            def clear_output(self, wait=False):
                outputs.clear()
                shown_at.clear()

        self.shell = get_ipython()
        sys.stdout.flush()
        self.saved = self.shell.display_pub, sys.stdout
        self.shell.display_pub, sys.stdout = Publisher(), _Stdout(outputs)
        return outputs

    def __exit__(self, *exc) -> None:
        self.shell.display_pub, sys.stdout = self.saved


class _Stdout(io.TextIOBase):
    """A stdout that appends what is written to ``outputs`` as one ``stream`` output per run."""

    name = "<stdout>"

    def __init__(self, outputs: list[dict]):
        self.outputs = outputs

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        last = self.outputs[-1] if self.outputs else {}
        if last.get("output_type") == "stream":
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": "stdout", "text": text})
        return len(text)
