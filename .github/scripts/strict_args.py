"""Argument parsing for the workflow scripts: strict, and with errors as exceptions.

argparse's own `error` prints the usage and exits deep inside the parser; here it raises UsageError, which
each script's `main` turns into an exit status and one error line the workflow log shows as an annotation.
"""

import argparse
from pathlib import Path
from typing import Any, NoReturn


class UsageError(Exception):
    """The command line is wrong: an unknown or misspelled option, a missing or extra argument."""


class StrictArgumentParser(argparse.ArgumentParser):
    """`parse_args` refuses anything it does not know (unlike `parse_known_args`) by raising UsageError,
    a shortened option (`--since` for `--since-deployed`) included."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_abbrev=False, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (usage: {self.format_usage().strip().removeprefix('usage: ')})")

    def add_repo_root(self) -> None:
        """The optional last argument `repo_root`, the current directory by default: a mistyped root would
        declare no stack, so a path that is not a directory is a usage error."""
        self.add_argument(
            "repo_root", nargs="?", type=_directory, default=Path.cwd(), help="default: the current one"
        )


def _directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a directory")
    return path
