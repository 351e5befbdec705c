"""What `pulumi preview --policy-pack policy` runs: it instantiates the pack, which serves until stopped."""

import sys
from pathlib import Path

# The CLI runs this directory as a script; the rules import each other as the `policy` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policy.policies import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=list(POLICIES))
