"""The instructor's side of the course: release notebooks, grade a folder of submissions.

Nothing a learner's notebook imports depends on this package. Command line:
``python -m helpers.grading release|grade ...`` (:mod:`helpers.grading.__main__`).
"""
from .runner import (CONFIG, COURSE_ROOT, EXERCISE_FIELDS, CapOutput, ClearHiddenTestsOfTestCells,
                     ExerciseResult, Result, Sandbox, ShowOnlyErrorMessages, assignments, cores,
                     default_jobs, find_submissions, grade, kernel_env, main, nbgrader,
                     new_course_root, reference_submission, release, threads_per_job)

__all__ = ["CONFIG", "COURSE_ROOT", "EXERCISE_FIELDS", "CapOutput", "ClearHiddenTestsOfTestCells",
           "ExerciseResult", "Result", "Sandbox", "ShowOnlyErrorMessages", "assignments", "cores",
           "default_jobs", "find_submissions", "grade", "kernel_env", "main", "nbgrader",
           "new_course_root", "reference_submission", "release", "threads_per_job"]
