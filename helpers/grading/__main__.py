"""``python -m helpers.grading release|grade ...``: see :mod:`helpers.grading.runner`."""
import sys

from .runner import main

sys.exit(main())
