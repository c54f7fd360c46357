"""The class report: failures grouped by message, exercise statistics, the page itself.

The report of a real grading run is opened in Chromium in ``tests/test_grading.py``.
"""
from __future__ import annotations

from helpers.grading import ExerciseResult, Result, report

WRONG_VALUES = ("AssertionError: softmax(X): values differ from the expected ones.\n"
                "  expected: [[0.09, 0.24, 0.67]]\n  got:      [[{v}, {v}, {v}]]\n"
                "  hint: divide exp(X) by its row sums, not by a constant.")


def student(name, softmax_points, message="", score=None, status="ok"):
    exercises = [ExerciseResult("test_softmax", softmax_points, 2, softmax_points == 2, message),
                 ExerciseResult("test_accuracy", 1, 1, True)]
    total = softmax_points + 1 if score is None else score
    return Result(name, "03_softmax_scratch", total, 3, status, exercises=exercises)


def class_of_five():
    return [student("a", 2), student("b", 0, WRONG_VALUES.format(v=0.33)),
            student("c", 0, WRONG_VALUES.format(v=0.25)),
            student("d", 0, "NotImplementedError: exercise not done yet\nhint: not done"),
            Result("e", "03_softmax_scratch", 0, 3, "missing")]


def test_failures_that_differ_only_in_their_numbers_are_one_group():
    exercises = [e for r in class_of_five() for e in r.exercises]
    groups = report.failure_groups(exercises)
    assert [(g.grade_id, g.count) for g in groups] == [("test_softmax", 2), ("test_softmax", 1)]
    assert groups[0].first_line == ("AssertionError: softmax(X): values differ from the "
                                    "expected ones.")
    assert groups[0].hint == "hint: divide exp(X) by its row sums, not by a constant."
    assert "0.33" in groups[0].example


def test_exercise_statistics_are_means_and_shares_of_full_marks():
    exercises = [e for r in class_of_five() for e in r.exercises]
    stats = {s.grade_id: s for s in report.exercise_stats(exercises)}
    assert list(stats) == ["test_softmax", "test_accuracy"]
    assert (stats["test_softmax"].mean_points, stats["test_softmax"].full_marks) == (0.5, 0.25)
    assert (stats["test_accuracy"].mean_points, stats["test_accuracy"].full_marks) == (1, 1)


def test_the_page_counts_statuses_and_shows_plots_tables_and_failures(tmp_path):
    index = report.write(class_of_five(), tmp_path / "report", sandbox="sandbox: on")
    page = index.read_text()
    assert (tmp_path / "report" / "03_softmax_scratch-scores.png").stat().st_size > 5000
    assert (tmp_path / "report" / "03_softmax_scratch-exercises.png").stat().st_size > 5000
    assert "<td>missing</td><td class='n'>1</td>" in page
    assert "4 graded (1 missing not counted)" in page
    assert "<td class='n'>2</td><td>test_softmax</td>" in page       # the group of two
    assert "divide exp(X) by its row sums" in page
    assert "25 %" in page and "100 %" in page


def test_an_assignment_nobody_handed_in_has_no_plots(tmp_path):
    index = report.write([Result("e", "03_softmax_scratch", 0, 3, "missing")],
                         tmp_path / "report")
    assert "0 graded (1 missing not counted)" in index.read_text()
    assert not list((tmp_path / "report").glob("*.png"))


def test_a_class_where_everything_passed_says_so(tmp_path):
    index = report.write([student("a", 2)], tmp_path / "report")
    assert "Every graded exercise passed." in index.read_text()
