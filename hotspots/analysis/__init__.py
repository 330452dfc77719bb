"""The hotspot engine: pure functions over sightings frames (GeoDataFrames in, frames out).

One module per method, each with one entry point. Distances are metres on the British
National Grid (EPSG:27700); results for display come back in WGS84 (EPSG:4326) where they
are geometries a map draws directly (hotspots, places) and in EPSG:27700 for grid cells.
"""

from hotspots.analysis.clusters import ClusterResult, find_clusters
from hotspots.analysis.emerging import EmergingResult, emerging_hot_spots
from hotspots.analysis.evaluate import evaluate_methods
from hotspots.analysis.frames import (
    AnalysisInputError,
    count_people,
    filter_sightings,
    people_per_group,
    to_bng,
)
from hotspots.analysis.gistar import hot_spots
from hotspots.analysis.grid import GridSpec, count_by_cell
from hotspots.analysis.kde import density_surface, volume_classes
from hotspots.analysis.risky_places import risky_places
from hotspots.analysis.signature import TimeSignature, time_signature

__all__ = [
    "AnalysisInputError",
    "ClusterResult",
    "EmergingResult",
    "GridSpec",
    "TimeSignature",
    "count_by_cell",
    "count_people",
    "density_surface",
    "emerging_hot_spots",
    "evaluate_methods",
    "filter_sightings",
    "find_clusters",
    "hot_spots",
    "people_per_group",
    "risky_places",
    "time_signature",
    "to_bng",
    "volume_classes",
]
