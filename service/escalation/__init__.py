"""The escalation ladder walked while a clock stays open: firing the rungs that are due, the
sweep's guarded phases, and the single-flight loop that runs them."""
