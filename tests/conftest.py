"""Shared fixtures: the real data in ../shared/data (or $LODESTAR_DATA), skipped when absent;
the small fixture set of tests/fixtures/ everywhere."""

from __future__ import annotations

import pytest

from sample_data import FIXTURES, data_or_skip


@pytest.fixture(scope="session")
def data():
    """Path of the sample-data folder; a test using it is skipped (with the reason) when it is absent."""
    return data_or_skip()


@pytest.fixture(scope="session")
def esbc(data):
    return data / "esbc-2020-177"


@pytest.fixture(scope="session")
def fixtures():
    """tests/fixtures/: small files cut from the sample data (origins in its README)."""
    return FIXTURES
