"""What several test files share: typed fakes of the runtime's ports, call scripts, the CI rule, timing,
the daemon as a subprocess, lab configurations.

Test modules import from here, never from each other, so each file stands on its own (no test
depends on another file's numbers or helpers) and a helper has one definition.
"""
