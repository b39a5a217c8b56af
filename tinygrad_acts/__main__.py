"""Command line: ``python -m tinygrad_acts COMMAND ...``.

Each command lives in the module that owns its subject; this file only dispatches.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

# command -> (module holding `add_arguments(parser)` and `main(args) -> int`, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "plot": ("tinygrad_acts.plots", "draw each activation and its derivative (by autograd)"),
    "check": ("tinygrad_acts.report_card", "the report card of every registered activation: "
              "gradient checks and the four properties"),
    "mutants": ("tinygrad_acts.mutants",
                "mutation lab: break each backward rule, see which check notices"),
    "exercise": ("tinygrad_acts.exercise",
                 "graded exercises: write backward rules, get them marked with a diagnosis"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_acts",
                                     description="tinygrad_acts command line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.main(args) or 0)


def run() -> int:
    """``main()`` for the command line: a reader that goes away (``... check | head``)
    ends the command quietly, as it would a Unix tool, instead of with a traceback."""
    try:
        code = main()
        sys.stdout.flush()  # inside the try: a late EPIPE surfaces here, not at exit
        return code
    except BrokenPipeError:
        # NOTE: Python's documented recipe: point stdout at devnull, so the interpreter's
        # final flush of the dead pipe does not raise again on the way out
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + getattr(signal, "SIGPIPE", 13)  # 141: what a shell shows for SIGPIPE


if __name__ == "__main__":
    sys.exit(run())
