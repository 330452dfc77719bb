"""Hand-built fixtures: a few rows whose counts are worked out by hand, loaded through the
same loader as the synthetic demo (`hotspots.db.demo.load_synthetic`), on either backend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from pyproj import Transformer
from sqlalchemy import Engine

from hotspots.db.demo import load_synthetic
from hotspots.synth import SyntheticData

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """British National Grid metres to (lon, lat)."""
    lon, lat = _TO_WGS84.transform(x, y)
    return float(lon), float(lat)


@dataclass
class Fixture:
    """Rows to load: premises, young people and sightings, built by the methods below."""

    premises: list[dict] = field(default_factory=list)
    people: dict[str, str | None] = field(default_factory=dict)
    sightings: list[dict] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    def add_premises(
        self, ref: str, name: str, category: str, x: float, y: float, licence: str | None = None
    ) -> str:
        lon, lat = lonlat(x, y)
        self.premises.append(
            {"premises_ref": ref, "name": name, "category": category, "licence_ref": licence,
             "lon": lon, "lat": lat}
        )  # fmt: skip
        return ref

    def add_sighting(
        self,
        when: str,
        x: float,
        y: float,
        *,
        premises: str | None = None,
        people: Iterable[str] = (),
        models: str = "on_street",
        area: str | None = None,
        risk: str | None = None,
    ) -> str:
        """One sighting at BNG (x, y); `people` are pseudonyms, created with `risk` if new."""
        ref = f"HB-{len(self.sightings) + 1:05d}"
        lon, lat = lonlat(x, y)
        self.sightings.append(
            {"source_ref": ref, "seen_at": pd.Timestamp(when), "lon": lon, "lat": lat,
             "precision": "exact", "grooming_models": models, "indicators": "",
             "premises_ref": premises, "vehicle_token": None, "source_agency": "police",
             "source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
             "note": None, "area_code": area}
        )  # fmt: skip
        for pseudonym in people:
            self.people.setdefault(pseudonym, risk)
            self.links.append((ref, pseudonym))
        return ref

    def data(self) -> SyntheticData:
        people = pd.DataFrame(
            {
                "pseudonym": list(self.people),
                "birth_year": 2010,
                "age_band": "13-15",
                "gender": "female",
                "ethnicity": None,
                "needs_flags": "",
                "home_area_code": None,
                "screening_score": None,
                "risk_level": list(self.people.values()),
                "grooming_models": "",
                "mfh_count": 0,
            }
        )
        premises = pd.DataFrame(
            self.premises,
            columns=["premises_ref", "name", "category", "licence_ref", "lon", "lat"],
        )
        sightings = pd.DataFrame(self.sightings)
        links = pd.DataFrame(self.links, columns=["source_ref", "pseudonym"])
        return SyntheticData(people, premises, sightings, links, truth={"fixture": "hand-built"})

    def load(self, engine: Engine) -> Engine:
        load_synthetic(engine, self.data(), username="test")
        return engine
