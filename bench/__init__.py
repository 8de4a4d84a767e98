"""astreinte's benchmarks: ``make bench`` (``python -m bench``) runs them all against the lab."""
