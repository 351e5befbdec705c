"""The dev and prod stacks as committed, run once per test session for every test that reads them."""

from __future__ import annotations

import pytest

from tests.infra.harness import StackResult, run_stack


@pytest.fixture(scope="session")
def dev() -> StackResult:
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackResult:
    return run_stack("prod")
