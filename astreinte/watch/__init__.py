"""Coroutines the daemon runs beside the calls, watching the outside world (softphones...)."""
