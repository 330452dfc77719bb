"""Settings: one typed object, read once from the environment and `.streamlit/secrets.toml`.

Every setting is named in README.md (a test checks both ways). Nothing else in the package
reads the environment; functions receive the settings, or the values they need, as arguments.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = REPO_ROOT / "data" / "hotspots.sqlite"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATABASE_PATH}"
DEFAULT_SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"

#: Bolton's bounding box in WGS84: west, south, east, north.
BOLTON_BBOX: tuple[float, float, float, float] = (-2.64, 53.52, -2.33, 53.64)

#: Every setting: environment variable -> (default, what it is for). README.md lists them all.
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "HOTSPOTS_DATABASE_URL": (
        DEFAULT_DATABASE_URL,
        "SQLAlchemy URL: a SpatiaLite file, or postgresql+psycopg://... for PostGIS",
    ),
    "HOTSPOTS_DEMO_MODE": (
        "1",
        "1: synthetic demo data, demo analyst signed in automatically; 0 for real deployments",
    ),
    "HOTSPOTS_DEMO_SIGHTINGS": (
        "20000",
        "sightings generated on first start of an empty demo database",
    ),
    "HOTSPOTS_DEMO_SEED": ("1", "seed of the synthetic generator"),
    "HOTSPOTS_TILE_URL": (
        "",
        "optional tile URL template of the force's own tile server; none by default",
    ),
    "HOTSPOTS_TILE_ATTRIBUTION": ("", "attribution shown with those tiles"),
    "HOTSPOTS_BBOX": (
        ",".join(str(v) for v in BOLTON_BBOX),
        "area accepted on import: west,south,east,north in WGS84",
    ),
    "HOTSPOTS_VEHICLE_KEY": (
        "",
        "secret key for vehicle tokens and pseudonyms (HMAC); never stored in the database",
    ),
    "HOTSPOTS_COOKIE_SECRET": ("", "secret for signing sessions"),
    "HOTSPOTS_SCREENING_THRESHOLDS": ("5,9", "risk screening: score from which medium, high"),
    "HOTSPOTS_SCREENING_EXTRA_ITEMS": ("", "risk screening: further items, ';'-separated"),
    "HOTSPOTS_SESSION_IDLE_MINUTES": ("30", "idle sessions expire after this many minutes"),
    "HOTSPOTS_SPATIALITE_LIBRARY": (
        "mod_spatialite",
        "name or path of the SpatiaLite extension to load",
    ),
    "HOTSPOTS_LOCKOUT_FAILURES": ("5", "failed sign-ins in a row that lock an account"),
    "HOTSPOTS_LOCKOUT_MINUTES": ("15", "how long a locked account stays locked"),
    "HOTSPOTS_OIDC_USERNAME_CLAIM": (
        "email",
        "claim of the identity provider's token that names the user (st.login)",
    ),
    "HOTSPOTS_ALLOW_REMOTE": (
        "0",
        "1: the server may listen beyond 127.0.0.1 (behind a TLS reverse proxy)",
    ),
    "HOTSPOTS_REVIEW_YEARS": ("6", "retention: years from a record's last activity to its review"),
}

#: Stand-in secrets used only in demo mode, so the demo starts with no set-up.
DEMO_SECRET = "demo-only-secret-not-for-real-data-0000000000"  # noqa: S105 (public by design)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    demo_mode: bool = True
    demo_sightings: int = 20_000
    demo_seed: int = 1
    tile_url: str = ""
    tile_attribution: str = ""
    bbox: tuple[float, float, float, float] = BOLTON_BBOX
    vehicle_key: str = ""
    cookie_secret: str = ""
    session_idle_minutes: int = 30
    spatialite_library: str = "mod_spatialite"
    lockout_failures: int = 5
    lockout_minutes: int = 15
    oidc_username_claim: str = "email"
    allow_remote: bool = False
    review_years: int = 6
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """'postgis' or 'spatialite', from the database URL."""
        return "postgis" if self.database_url.startswith("postgresql") else "spatialite"

    @property
    def effective_vehicle_key(self) -> str:
        return self.vehicle_key or (DEMO_SECRET if self.demo_mode else "")


class SettingsError(ValueError):
    """A setting has a value the application cannot run with."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _bbox(value: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in value.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as exc:
        raise SettingsError(
            f"HOTSPOTS_BBOX: {value!r} is not four numbers west,south,east,north"
        ) from exc
    if not (west < east and south < north):
        raise SettingsError(f"HOTSPOTS_BBOX: {value!r} has west >= east or south >= north")
    return west, south, east, north


def _integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise SettingsError(f"{name}: {value!r} is not a whole number") from exc


def read_secrets(path: Path = DEFAULT_SECRETS_PATH) -> dict[str, str]:
    """Top-level HOTSPOTS_* keys of a Streamlit secrets file, if there is one."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {k: str(v) for k, v in data.items() if k.startswith("HOTSPOTS_")}


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path = DEFAULT_SECRETS_PATH
) -> Settings:
    """Read every setting once; the environment wins over the secrets file."""
    values = {**read_secrets(secrets_path), **dict(os.environ if environ is None else environ)}

    def get(name: str) -> str:
        return values.get(name, "") or SETTINGS_HELP[name][0]

    return Settings(
        database_url=get("HOTSPOTS_DATABASE_URL"),
        demo_mode=_flag(get("HOTSPOTS_DEMO_MODE")),
        demo_sightings=_integer("HOTSPOTS_DEMO_SIGHTINGS", get("HOTSPOTS_DEMO_SIGHTINGS")),
        demo_seed=_integer("HOTSPOTS_DEMO_SEED", get("HOTSPOTS_DEMO_SEED")),
        tile_url=get("HOTSPOTS_TILE_URL"),
        tile_attribution=get("HOTSPOTS_TILE_ATTRIBUTION"),
        bbox=_bbox(get("HOTSPOTS_BBOX")),
        vehicle_key=get("HOTSPOTS_VEHICLE_KEY"),
        cookie_secret=get("HOTSPOTS_COOKIE_SECRET"),
        session_idle_minutes=_integer(
            "HOTSPOTS_SESSION_IDLE_MINUTES", get("HOTSPOTS_SESSION_IDLE_MINUTES")
        ),
        spatialite_library=get("HOTSPOTS_SPATIALITE_LIBRARY"),
        lockout_failures=_integer("HOTSPOTS_LOCKOUT_FAILURES", get("HOTSPOTS_LOCKOUT_FAILURES")),
        lockout_minutes=_integer("HOTSPOTS_LOCKOUT_MINUTES", get("HOTSPOTS_LOCKOUT_MINUTES")),
        oidc_username_claim=get("HOTSPOTS_OIDC_USERNAME_CLAIM"),
        allow_remote=_flag(get("HOTSPOTS_ALLOW_REMOTE")),
        review_years=_integer("HOTSPOTS_REVIEW_YEARS", get("HOTSPOTS_REVIEW_YEARS")),
        extra={name: value for name, value in values.items() if name.startswith("HOTSPOTS_")},
    )
