"""Screenings saved as dated assessments, profiles, audit entries and roles, on both backends."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from hotspots.db.access import User
from hotspots.db.screenings import known_pseudonyms, risk_history, save_screening
from hotspots.screening import Screening, ScreeningConfig, ScreeningError
from hotspots.security.roles import AccessDenied

ANALYST = User("ana", "analyst", "screening")
CONFIG = ScreeningConfig()


def _audit(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(
            text("SELECT username, action, target, detail FROM audit_log ORDER BY id"), connection
        )


def _person(engine: Engine, pseudonym: str) -> dict:
    with engine.connect() as connection:
        return dict(
            connection.execute(
                text("SELECT * FROM young_person WHERE pseudonym = :p"), {"p": pseudonym}
            )
            .mappings()
            .one()
        )


def test_screenings_over_time_update_the_profile(engine: Engine) -> None:
    first = Screening(
        pseudonym="YP-00AA11BB", agency="education", age_band="13-15", gender="female",
        vulnerabilities=("emotional_neglect", "low_self_esteem"), indicators=("mfh_return",),
        grooming_models=("boyfriend",),
    )  # fmt: skip
    saved = save_screening(engine, ANALYST, first, CONFIG, assessed_at=datetime(2026, 1, 5, 10))
    assert (saved.new_person, saved.score, saved.risk_level) == (True, 3, "low")
    later = Screening(
        pseudonym="YP-00AA11BB", agency="police", disability=True, disability_category="learning",
        vulnerabilities=("emotional_neglect", "low_self_esteem", "sexual_abuse", "physical_abuse"),
        indicators=("mfh_return", "older_boyfriend", "unexplained_goods", "risky_area",
                    "swapping"),
        grooming_models=("boyfriend", "party"),
    )  # fmt: skip
    again = save_screening(engine, ANALYST, later, CONFIG, assessed_at=datetime(2026, 3, 1, 9))
    assert (again.new_person, again.person_id, again.score, again.risk_level) == (
        False, saved.person_id, 9, "high",
    )  # fmt: skip

    person = _person(engine, "YP-00AA11BB")
    assert (person["screening_score"], person["risk_level"]) == (9, "high")
    assert person["grooming_models"] == "boyfriend|party"
    assert person["age_band"] == "13-15"  # kept when the later screening leaves it blank
    assert "send" in person["needs_flags"]

    history = risk_history(engine, ANALYST, "YP-00AA11BB")
    assert list(history["risk_level"]) == ["low", "high"]
    assert list(history["score"]) == [3, 9]
    assert list(history["assessed_at"].dt.month) == [1, 3]
    assert known_pseudonyms(engine, ANALYST) == ["YP-00AA11BB"]

    audit = _audit(engine)
    actions = list(zip(audit["action"], audit["target"].str.split(":").str[0], strict=True))
    assert actions == [
        ("collection", "screening"), ("collection", "young_person"),
        ("collection", "screening"), ("alteration", "young_person"),
        ("consultation", "young_person"),
    ]  # fmt: skip
    assert set(audit["username"]) == {"ana"}
    assert "12345" not in " ".join(audit["detail"])


def test_invalid_screening_writes_nothing(engine: Engine) -> None:
    with pytest.raises(ScreeningError, match="agency"):
        save_screening(engine, ANALYST, Screening("YP-00AA11BB", "nowhere"), CONFIG)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screening")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 0


@pytest.mark.parametrize("role", ["licensing", "lscb", "admin"])
def test_roles_without_screening_are_refused(engine: Engine, role: str) -> None:
    user = User("someone", role)
    with pytest.raises(AccessDenied):
        save_screening(engine, user, Screening("YP-00AA11BB", "police"), CONFIG)
    with pytest.raises(AccessDenied):
        risk_history(engine, user, "YP-00AA11BB")
