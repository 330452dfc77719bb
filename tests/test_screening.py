"""Scoring, risk levels and keyed pseudonyms of the screening tool, on hand-worked examples."""

from __future__ import annotations

import pytest

from hotspots.config import Settings
from hotspots.screening import (
    VULNERABILITIES,
    Screening,
    ScreeningConfig,
    ScreeningError,
    Thresholds,
    keyed_pseudonym,
    parse_thresholds,
    pseudonym_key,
    score,
    screening_config,
    validate,
)
from hotspots.synth import HIGH_FROM, MEDIUM_FROM

CONFIG = ScreeningConfig()


def test_nothing_ticked_scores_zero_and_low() -> None:
    result = score([], [], CONFIG)
    assert (result.score, result.risk_level) == (0, "low")


def test_hand_worked_medium() -> None:
    # 3 vulnerabilities + 2 indicators = 5 -> medium (5-8)
    result = score(
        ["emotional_neglect", "physical_abuse", "low_self_esteem"],
        ["mfh_return", "older_boyfriend"],
        CONFIG,
    )
    assert (result.score, result.risk_level) == (5, "medium")


def test_hand_worked_boundaries() -> None:
    vulns = list(VULNERABILITIES)
    assert score(vulns[:4], [], CONFIG).risk_level == "low"  # 4
    assert score(vulns[:8], [], CONFIG).risk_level == "medium"  # 8
    assert score(vulns[:8], ["risky_area"], CONFIG).risk_level == "high"  # 9


def test_each_item_counts_once() -> None:
    assert score(["sexual_abuse", "sexual_abuse"], ["swapping"], CONFIG).score == 2


def test_unknown_item_is_refused() -> None:
    with pytest.raises(ScreeningError, match="unknown screening items: gang"):
        score(["gang"], [], CONFIG)


def test_default_thresholds_match_synthetic_generator() -> None:
    assert Thresholds() == Thresholds(MEDIUM_FROM, HIGH_FROM) == Thresholds(5, 9)
    assert screening_config(environ={}).thresholds == Thresholds(5, 9)


def test_thresholds_and_extra_items_from_configuration() -> None:
    config = screening_config(
        environ={
            "HOTSPOTS_SCREENING_THRESHOLDS": "3,6",
            "HOTSPOTS_SCREENING_EXTRA_ITEMS": "Gang affiliation; Care leaver",
        }
    )
    assert config.thresholds == Thresholds(3, 6)
    assert config.vulnerabilities["gang_affiliation"] == "Gang affiliation"
    assert config.max_score == len(VULNERABILITIES) + 2 + 15
    assert score(["gang_affiliation", "care_leaver", "sexual_abuse"], [], config).risk_level == (
        "medium"
    )
    assert score(["gang_affiliation"], ["swapping"] * 1 + ["risky_area"], config).score == 3


def test_settings_extra_wins_over_environment() -> None:
    settings = Settings(extra={"HOTSPOTS_SCREENING_THRESHOLDS": "2,4"})
    config = screening_config(settings, environ={"HOTSPOTS_SCREENING_THRESHOLDS": "3,6"})
    assert config.thresholds == Thresholds(2, 4)


@pytest.mark.parametrize("bad", ["5", "9,5", "a,b", "0,3", "5,9,12"])
def test_bad_thresholds_are_refused(bad: str) -> None:
    with pytest.raises(ScreeningError, match="HOTSPOTS_SCREENING_THRESHOLDS"):
        parse_thresholds(bad)


def test_keyed_pseudonym_same_reference_same_key() -> None:
    first = keyed_pseudonym("social_care", "SC/123 45", b"key-one")
    assert first == keyed_pseudonym("social_care", "sc12345", b"key-one")
    assert first.startswith("YP-") and len(first) == 11


def test_keyed_pseudonym_another_key_or_agency_differs() -> None:
    first = keyed_pseudonym("social_care", "SC12345", b"key-one")
    assert first != keyed_pseudonym("social_care", "SC12345", b"key-two")
    assert first != keyed_pseudonym("police", "SC12345", b"key-one")
    assert "12345" not in first


def test_pseudonym_key_needs_a_secret_outside_demo_mode() -> None:
    assert pseudonym_key(Settings(demo_mode=True))
    assert pseudonym_key(Settings(demo_mode=False, vehicle_key="abc")) == b"abc"
    with pytest.raises(ScreeningError, match="HOTSPOTS_VEHICLE_KEY"):
        pseudonym_key(Settings(demo_mode=False))


def test_validate_names_each_field() -> None:
    bad = Screening(
        pseudonym="Jane Smith",
        agency="nowhere",
        age_band="30-40",
        disability=True,
        grooming_models=("street",),
    )
    problems = validate(bad, CONFIG)
    assert set(problems) == {"pseudonym", "agency", "age_band", "disability_category",
                             "grooming_models"}  # fmt: skip
    good = Screening(pseudonym="YP-1A2B3C4D", agency="health", age_band="13-15",
                     disability=True, disability_category="learning")  # fmt: skip
    assert validate(good, CONFIG) == {}


def test_printable_blank_and_filled_are_marked_and_escaped() -> None:
    from hotspots.screening_print import MARKING, screening_html

    blank = screening_html(CONFIG)
    assert blank.count(MARKING) >= 3 and "blank form" in blank
    assert "[X]" not in blank and "Emotional neglect" in blank
    filled = Screening(
        pseudonym="YP-1A2B3C4D",
        agency="health",
        vulnerabilities=("emotional_neglect",),
        indicators=("mfh_return",),
    )
    result = score(filled.vulnerabilities, filled.indicators, CONFIG)
    page = screening_html(CONFIG, filled, result)
    assert page.count("[X]") == 2 and "YP-1A2B3C4D" in page
    assert "Score 2 of 23: risk level LOW" in page
    extra = screening_html(ScreeningConfig(vulnerabilities={"x": "<script>alert(1)</script>"}))
    assert "<script>" not in extra and "&lt;script&gt;" in extra


def test_validate_checks_the_profile_with_the_importers_own_function(monkeypatch) -> None:
    import hotspots.screening as screening_module
    from hotspots.ingest import rules

    assert screening_module.check_person is rules.check_person
    calls = []

    def spy(record, context=None):
        calls.append(dict(record))
        return rules.check_person(record, context)

    monkeypatch.setattr(screening_module, "check_person", spy)
    validate(Screening("YP-1A2B3C4D", "health", age_band="13-15"), CONFIG)
    assert calls == [{"pseudonym": "YP-1A2B3C4D", "age_band": "13-15", "gender": None,
                      "grooming_models": ()}]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "bad"),
    [("pseudonym", "Jane Smith"), ("pseudonym", ""), ("age_band", "30-40"),
     ("gender", "unknown"), ("grooming_models", ("street",))],
)  # fmt: skip
def test_a_bad_profile_value_gets_the_importers_words(field: str, bad) -> None:
    import pandas as pd

    from hotspots.ingest.rules import PEOPLE, check_frame

    values = {"pseudonym": "YP-1A2B3C4D", field: bad}
    problem = validate(Screening(agency="health", **values), CONFIG)[field]
    row = {k: "|".join(v) if isinstance(v, tuple) else v for k, v in values.items()}
    report = check_frame(PEOPLE, pd.DataFrame([row], dtype=str)).problems
    line = report[report["field"] == field].iloc[0]
    assert line["reason"] in problem


def test_keyed_pseudonyms_without_a_digit_pass_validation() -> None:
    assert validate(Screening("YP-FACADEAB", "health"), CONFIG) == {}
