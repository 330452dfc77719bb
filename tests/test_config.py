"""Settings: the environment wins over .streamlit/secrets.toml, and every HOTSPOTS_* key arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.config import SettingsError, load_settings
from hotspots.screening import screening_config


def test_a_setting_only_in_the_secrets_file_reaches_the_screening_tool(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('HOTSPOTS_SCREENING_THRESHOLDS = "3,6"\n')
    settings = load_settings(environ={}, secrets_path=secrets)
    assert settings.extra["HOTSPOTS_SCREENING_THRESHOLDS"] == "3,6"
    thresholds = screening_config(settings, environ={}).thresholds
    assert (thresholds.medium_from, thresholds.high_from) == (3, 6)


def test_the_environment_wins_over_the_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('HOTSPOTS_DEMO_SEED = "5"\n')
    settings = load_settings(environ={"HOTSPOTS_DEMO_SEED": "9"}, secrets_path=secrets)
    assert settings.demo_seed == 9


def test_a_bad_bounding_box_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="HOTSPOTS_BBOX"):
        load_settings(environ={"HOTSPOTS_BBOX": "1,2,3"}, secrets_path=tmp_path / "none.toml")
