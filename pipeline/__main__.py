import sys

# pandera builds its data-synthesis strategies from hypothesis whenever hypothesis is installed
# (it is, for the tests): 0.13-0.16 s of imports in every command that validates a register.
# A command never synthesises data, so pandera is shown it absent (its own ImportError path).
# Only here, in a fresh `python -m pipeline` process: a test session calling the CLI in-process
# keeps its hypothesis.
sys.modules.setdefault("hypothesis", None)

from pipeline.cli.commands import main  # noqa: E402  (after the line above, on purpose)

sys.exit(main())
