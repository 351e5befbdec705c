"""The workflow helper scripts live in .github/scripts and import each other as top-level modules."""

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / ".github" / "scripts"
sys.path.insert(0, str(SCRIPTS))
