"""The Bolton locality gazetteer (data/gazetteer.csv): names hotspots and labels the basemap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspots.config import BOLTON_BBOX, REPO_ROOT

GAZETTEER_PATH = REPO_ROOT / "data" / "gazetteer.csv"
COLUMNS = ("name", "kind", "lat", "lon")


class GazetteerError(ValueError):
    pass


def load_gazetteer(path: Path = GAZETTEER_PATH) -> pd.DataFrame:
    """Read and check the gazetteer: unique names, coordinates inside Bolton's box."""
    frame = pd.read_csv(path, dtype={"name": str, "kind": str, "lat": float, "lon": float})
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise GazetteerError(f"{path.name}: missing columns {sorted(missing)}")
    duplicated = frame.loc[frame["name"].duplicated(), "name"].tolist()
    if duplicated:
        raise GazetteerError(f"{path.name}: names appear twice: {duplicated}")
    west, south, east, north = BOLTON_BBOX
    outside = frame[~frame["lon"].between(west, east) | ~frame["lat"].between(south, north)]
    if not outside.empty:
        row = int(outside.index[0]) + 2
        raise GazetteerError(
            f"{path.name} row {row}: {outside.iloc[0]['name']!r} lies outside Bolton's box"
        )
    return frame[list(COLUMNS)]
