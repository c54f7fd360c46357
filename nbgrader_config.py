"""nbgrader configuration for the course.

``solutions/<id>/<id>.ipynb`` is the source (reference solutions and all tests),
``course/<id>/<id>.ipynb`` the release learners open (``make release`` regenerates it).
The gradebook and the exchange stay inside this directory and are git-ignored.
Copying this file into another folder makes that folder a course root of its own, which
is how the instructor command (``python -m helpers.grading``) and the tests grade.
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
root = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "hands-on-pytorch"
c.CourseDirectory.root = str(root)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
c.Exchange.root = str(root / "exchange")
c.Exchange.path_includes_course = True

# What learners see in place of a solution: say what to do, and fail loudly until done.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE: replace this line and the next with your solution.\n"
              "raise NotImplementedError(\"exercise not done yet\")"
}

# The key that wins for a cell's time limit is Execute.timeout, not ExecutePreprocessor's.
# The slowest reference cell takes a few seconds on two CPU cores.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# The grade cells of a notebook with an exercise module and hidden cases are decided by the
# judge (helpers/grading/judge.py), which runs no learner code: nbgrader's Execute is replaced
# by the course's. Here it runs the kernel as nbgrader does; the instructor command
# (python -m helpers.grading grade) puts the kernel in the sandbox.
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402

from helpers.grading.sandbox import SandboxedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [
    SandboxedExecute if step is Execute else step
    for step in Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()]
c.SandboxedExecute.sandbox = False

# A learner who deletes a test cell gets it back, with its original code, at grading.
c.OverwriteCells.add_missing_cells = True

# Feedback shows neither hidden tests' code nor tracebacks into it; the learner-facing
# message of a failing check (expected, got, hint) stays.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "helpers.grading.preprocessors.ClearHiddenTestsOfTestCells",
    "helpers.grading.preprocessors.ShowOnlyErrorMessages",
]
