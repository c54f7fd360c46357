"""What ``helpers.reference`` is in a learner's kernel while a judged notebook is graded."""
raise ImportError(
    "the course's reference answers (helpers.reference) cannot be used while grading: "
    "an exercise that calls them scores 0. Write the code yourself; the exercise's hints "
    "show the way.")
