"""Shared fixtures: the real data in ../shared/data (or $LODESTAR_DATA)."""

from __future__ import annotations

import pytest

from lodestar.data import data_dir


@pytest.fixture(scope="session")
def data():
    """Path of the sample-data folder; every test reads real files from it."""
    return data_dir()


@pytest.fixture(scope="session")
def esbc(data):
    return data / "esbc-2020-177"
