"""Vehicle tokens: a keyed hash of the number plate, so sightings of one vehicle link while
the plate itself is never stored.

token = the first 16 hex digits of HMAC-SHA256(key, 'vehicle|' + normalised plate), the same
shape as the synthetic tokens of `hotspots.synth`. The key is `HOTSPOTS_VEHICLE_KEY`, kept in
the environment or the secrets file and never in the database; in demo mode the public demo
secret stands in. The 'vehicle|' prefix keeps these hashes apart from the keyed pseudonyms of
`hotspots.screening`, which use the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from hotspots.config import Settings

TOKEN_PATTERN: Final = re.compile(r"^[0-9a-f]{16}$")
_PLATE: Final = re.compile(r"^(?=.*[A-Z])(?=.*\d)[A-Z0-9]{2,8}$")


class VehicleKeyMissing(ValueError):
    """Plates cannot become tokens without the key (outside demo mode)."""


def vehicle_key(settings: Settings) -> bytes:
    """The HMAC key from the settings; outside demo mode a missing key is an error."""
    key = settings.effective_vehicle_key
    if not key:
        raise VehicleKeyMissing(
            "HOTSPOTS_VEHICLE_KEY is not set, so vehicle registrations cannot be turned into"
            " tokens: set it in the environment or .streamlit/secrets.toml (a long random"
            " secret, see docs/SECURITY.md), or drop the registration column"
        )
    return key.encode()


def normalise_plate(raw: str) -> str | None:
    """The plate in capitals without spaces or hyphens, or None if it cannot be a plate.

    >>> normalise_plate(" ab12-cde "), normalise_plate("unknown")
    ('AB12CDE', None)
    """
    plate = re.sub(r"[\s-]+", "", str(raw)).upper()
    return plate if _PLATE.match(plate) else None


def vehicle_token(plate: str, key: bytes) -> str:
    """16 hex digits that stand for the plate; the same plate and key always give the same.

    >>> vehicle_token("AB12 CDE", b"k") == vehicle_token("ab12cde", b"k")
    True
    >>> len(vehicle_token("AB12CDE", b"k"))
    16
    """
    clean = normalise_plate(plate)
    if clean is None:
        raise ValueError(f"{plate!r} is not a vehicle registration")
    return hmac.new(key, f"vehicle|{clean}".encode(), hashlib.sha256).hexdigest()[:16]


def is_token(value: str) -> bool:
    """Whether `value` has the shape of a vehicle token (16 lower-case hex digits)."""
    return bool(TOKEN_PATTERN.match(value))
