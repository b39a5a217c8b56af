"""Command line: ``python -m tinygrad_acts COMMAND ...``.

Each command lives in the module that owns its subject; this file only dispatches.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module holding `add_arguments(parser)` and `main(args) -> int`, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "plot": ("tinygrad_acts.viz", "draw each activation and its derivative (by autograd)"),
    "check": ("tinygrad_acts.check", "gradient checks and the four properties of every "
              "registered activation"),
    "mutants": ("tinygrad_acts.mutants",
                "mutation lab: break each backward rule, see which check notices"),
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


if __name__ == "__main__":
    sys.exit(main())
