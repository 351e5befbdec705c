"""Argument parsing for the workflow scripts: strict, and with errors as exceptions.

argparse's own `error` prints the usage and exits deep inside the parser; here it raises UsageError, which
each script's `main` turns into an exit status and one error line the workflow log shows as an annotation.
"""

import argparse
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
