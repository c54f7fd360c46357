"""Each notebook's exercises: their visible checks and known mistakes, one module per notebook.

A test cell calls its notebook's module, e.g. in notebook 03::

    from helpers.exercises.nb03 import check
    check("softmax", softmax)

which runs the exercise's visible checks on the learner's ``softmax`` and prints that they
pass, or fails with what was expected, what came back, and a hint when its cause was
detected. While the instructor grades, the same checks run in the judge
(``helpers/grading/judge.py``), on hidden cases too, and reach the learner's code only
through data. :mod:`.framework` is how an exercise is written; :mod:`.wire` the data that
crosses; :mod:`.agent` the kernel's side of a judge's request.
"""
