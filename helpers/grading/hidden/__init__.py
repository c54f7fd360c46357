"""Hidden cases of the judged notebooks: instructor side only."""
