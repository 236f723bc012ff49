"""Set-up shared by the benchmarks."""

from __future__ import annotations

import pytest


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Give each run its own config directory: the integration keeps face crops there."""
    return hass_tmp_config_dir
