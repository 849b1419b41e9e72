"""Where the tests find the sample data, and how they skip when it is absent.

The real files live in ``../shared/data`` beside the repository (or ``$LODESTAR_DATA``); they are
not shipped with the package. Without them every test that needs them is *skipped* with a reason
naming the folder, and the tests on the small fixture set in ``tests/fixtures/`` still run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lodestar.data import data_dir
from lodestar.errors import DataNotFoundError

__all__ = ["DATA_DIR", "MISSING_REASON", "FIXTURES", "requires_data", "data_or_skip"]

#: The small files shipped with the tests (see tests/fixtures/README.md).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _find() -> tuple[Path | None, str]:
    try:
        return data_dir(), ""
    except DataNotFoundError as error:
        return None, f"{str(error).splitlines()[0]}: place the data in ../shared/data or set LODESTAR_DATA=DIR"


DATA_DIR, MISSING_REASON = _find()

#: Mark for tests (or whole modules: ``pytestmark = requires_data``) that read ../shared/data.
requires_data = pytest.mark.skipif(DATA_DIR is None, reason=MISSING_REASON or "sample data present")


def data_or_skip() -> Path:
    """The sample-data folder, or skip the calling test with the reason."""
    if DATA_DIR is None:
        pytest.skip(MISSING_REASON)
    return DATA_DIR
