"""Shared test fixtures. Base seeds are fixed so every statistical test is repeatable."""

from __future__ import annotations

import pytest

BASE_SEED = 20261126


@pytest.fixture(scope="session")
def base_seed() -> int:
    return BASE_SEED
