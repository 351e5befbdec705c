"""Refuse a teardown that names an unknown stack, or a protected stack without its confirmation.

Usage: PROTECTED_STACKS="prod" python3 .github/scripts/teardown_guard.py [--] STACK CONFIRMATION [REPO_ROOT]
(`--` first lets a confirmation start with `-`). A missing or extra argument exits with status 2.

PROTECTED_STACKS lists stack names separated by spaces, commas or any other character a stack name cannot
hold, so that `["prod", "staging"]` works too (default: prod). A protected stack is torn down only when
CONFIRMATION repeats its name exactly; a setting that is not blank but names no stack, or names one that no
Pulumi.<stack>.yaml declares (a typo, a name in another case), refuses every teardown until it is fixed,
rather than protect less than meant.
"""

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from affected_stacks import declared_stacks
from strict_args import StrictArgumentParser, UsageError

DEFAULT_PROTECTED_STACKS = "prod"


class TeardownRefusedError(Exception):
    """The requested teardown must not run; the message says why and what to do."""


def protected_stacks(setting: str) -> set[str]:
    """Parse the PROTECTED_STACKS setting: names separated by anything a stack name cannot hold."""
    return {name for name in re.split(r"[^A-Za-z0-9_.-]+", setting) if name}


def check_teardown(stack: str, confirmation: str, declared: list[str], protected: set[str]) -> None:
    """Raise TeardownRefusedError unless `stack` may be destroyed with this confirmation."""
    if stack not in declared:
        raise TeardownRefusedError(
            f"stack {stack!r} has no Pulumi.{stack}.yaml; declared stacks: {', '.join(declared) or 'none'}"
        )
    if stack in protected and confirmation != stack:
        raise TeardownRefusedError(
            f"stack {stack!r} is protected: type its name in the confirmation input to tear it down "
            "(its protected data resources are kept either way)"
        )


def protected_by_setting(raw: str, declared: list[str]) -> set[str]:
    """The stacks the PROTECTED_STACKS setting `raw` protects: the default ones when it is blank. Raise
    TeardownRefusedError when it names no stack, or one that is not declared: it would protect less than
    meant."""
    setting = protected_stacks(raw)
    unknown = sorted(setting - set(declared))
    if (raw.strip() and not setting) or unknown:
        named = f" names {', '.join(unknown)}, which no Pulumi.<stack>.yaml declares" if unknown else ""
        raise TeardownRefusedError(
            f"PROTECTED_STACKS {raw.strip()!r}{named or ' names no stack'} "
            f"(declared: {', '.join(declared) or 'none'}): correct the setting"
        )
    return setting or protected_stacks(DEFAULT_PROTECTED_STACKS)


def parse_args(arguments: Sequence[str]) -> tuple[str, str, Path]:
    """The stack, the confirmation and the repository root; UsageError for a missing or extra argument."""
    parser = StrictArgumentParser(prog="teardown_guard.py", description="Refuse a teardown that may not run.")
    parser.add_argument("stack", help="the stack to tear down")
    parser.add_argument("confirmation", help="a protected stack's name, repeated")
    parser.add_repo_root()
    parsed = parser.parse_args(arguments)
    return parsed.stack, parsed.confirmation, parsed.repo_root


def main() -> None:
    try:
        stack, confirmation, repo_root = parse_args(sys.argv[1:])
    except UsageError as error:
        print(f"::error::teardown_guard: {error}", file=sys.stderr)
        sys.exit(2)
    declared = declared_stacks(repo_root)
    try:
        protected = protected_by_setting(os.environ.get("PROTECTED_STACKS", ""), declared)
        check_teardown(stack, confirmation, declared, protected)
    except TeardownRefusedError as refusal:
        print(f"::error::teardown refused: {refusal}", file=sys.stderr)
        sys.exit(1)
    print(f"teardown of stack {stack!r} allowed")


if __name__ == "__main__":
    main()
