"""The instructor's side of the course: release the notebooks, grade a folder of submissions.

``python -m helpers.grading release|grade ...`` is the command line (``__main__``). Modules:
``course`` (the course root, its assignments, nbgrader's commands, the release),
``submissions`` (reading a submissions folder safely), ``runner`` (grading in worker
processes), ``sandbox`` (where graded kernels run), ``preprocessors`` (nbgrader's steps of
the course), ``tampering`` (code that patches grading), ``results`` (statuses and the types
shared between them), ``exports`` (the CSV files, logs and summary) and ``report`` (the
class report). No learner module imports this package.
"""
from .course import CONFIG, COURSE_ROOT, assignments, nbgrader, new_course_root, reference_submission, release
from .results import ExerciseResult, KernelEvent, Result, Status
from .runner import cores, default_jobs, grade, kernel_env, threads_per_job
from .sandbox import Sandbox
from .submissions import find_submissions

__all__ = ["CONFIG", "COURSE_ROOT", "ExerciseResult", "KernelEvent", "Result", "Sandbox", "Status",
           "assignments", "cores", "default_jobs", "find_submissions", "grade", "kernel_env",
           "nbgrader", "new_course_root", "reference_submission", "release", "threads_per_job"]
