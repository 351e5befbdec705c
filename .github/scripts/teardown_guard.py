"""Refuse a teardown that names an unknown stack, or a protected stack without its confirmation.

Usage: PROTECTED_STACKS="prod" python3 .github/scripts/teardown_guard.py STACK CONFIRMATION [REPO_ROOT]

PROTECTED_STACKS lists stack names separated by spaces or commas (default: prod). A protected stack is torn
down only when CONFIRMATION repeats its name exactly.
"""

import os
import re
import sys
from pathlib import Path

from affected_stacks import declared_stacks

DEFAULT_PROTECTED_STACKS = "prod"


class TeardownRefusedError(Exception):
    """The requested teardown must not run; the message says why and what to do."""


def protected_stacks(setting: str) -> set[str]:
    """Parse the PROTECTED_STACKS setting: names separated by spaces or commas."""
    return {name for name in re.split(r"[\s,]+", setting) if name}


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


def main() -> None:
    stack, confirmation = sys.argv[1], sys.argv[2]
    repo_root = Path(sys.argv[3]) if len(sys.argv) > 3 else Path.cwd()
    # A setting that names no stack (blank, or only separators) protects the default ones, not none.
    setting = protected_stacks(os.environ.get("PROTECTED_STACKS", ""))
    protected = setting or protected_stacks(DEFAULT_PROTECTED_STACKS)
    try:
        check_teardown(stack, confirmation, declared_stacks(repo_root), protected)
    except TeardownRefusedError as refusal:
        print(f"::error::teardown refused: {refusal}", file=sys.stderr)
        sys.exit(1)
    print(f"teardown of stack {stack!r} allowed")


if __name__ == "__main__":
    main()
