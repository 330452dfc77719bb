"""Regular grids on the British National Grid and sighting counts per cell.

One `GridSpec` fixes a grid (origin, cell size, rows, columns, square or hexagonal), so that
KDE, Gi*, emerging hot spots and the evaluation of a training map against a later period all
count on the very same cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from hotspots.analysis.frames import AnalysisInputError, bng_xy
from hotspots.domain import CRS_BNG, CRS_WGS84

DEFAULT_CELL_M = 250.0
#: Refuse grids larger than this: usually one stray point far away, or a tiny cell size.
MAX_CELLS = 5_000_000
KINDS = ("square", "hex")
SQRT3 = float(np.sqrt(3.0))


@dataclass(frozen=True)
class GridSpec:
    """A grid of `n_rows` x `n_cols` cells; cell (0, 0) is centred on (`x0`, `y0`) in BNG metres.

    Square cells have side `cell_m`. Hexagons are pointy-topped, `cell_m` across the flats
    (the distance between neighbouring centres), odd rows shifted half a cell east. A cell's id
    is ``row * n_cols + col``.
    """

    x0: float
    y0: float
    cell_m: float
    n_cols: int
    n_rows: int
    kind: str = "square"

    @property
    def n_cells(self) -> int:
        return self.n_cols * self.n_rows

    @property
    def row_step(self) -> float:
        return self.cell_m if self.kind == "square" else self.cell_m * SQRT3 / 2

    @property
    def cell_area_m2(self) -> float:
        return self.cell_m**2 if self.kind == "square" else self.cell_m**2 * SQRT3 / 2

    @classmethod
    def covering(
        cls,
        xy: np.ndarray,
        cell_m: float = DEFAULT_CELL_M,
        kind: str = "square",
        pad_m: float = 0.0,
    ) -> GridSpec:
        """The smallest grid, aligned to multiples of the cell size, covering `xy` (+ `pad_m`)."""
        if kind not in KINDS:
            raise AnalysisInputError(f"grid kind {kind!r} is not one of {KINDS}")
        if cell_m <= 0:
            raise AnalysisInputError(f"cell size must be positive metres, got {cell_m}")
        if len(xy) == 0:
            raise AnalysisInputError("no sightings to lay a grid over; give a GridSpec instead")
        (xmin, ymin), (xmax, ymax) = xy.min(axis=0) - pad_m, xy.max(axis=0) + pad_m
        row_step = cell_m if kind == "square" else cell_m * SQRT3 / 2
        half = 0.5 if kind == "square" else 0.0  # squares: edges (not centres) on the multiples
        x0 = (np.floor(xmin / cell_m) + half) * cell_m
        y0 = (np.floor(ymin / row_step) + half) * row_step
        n_cols = int(np.floor((xmax - x0) / cell_m + half)) + (1 if kind == "square" else 2)
        n_rows = int(np.floor((ymax - y0) / row_step + half)) + (1 if kind == "square" else 2)
        if n_cols * n_rows > MAX_CELLS:
            raise AnalysisInputError(
                f"a {cell_m:g} m grid over these sightings needs {n_cols * n_rows:,} cells "
                f"(limit {MAX_CELLS:,}); check for stray points far away or use larger cells"
            )
        return cls(float(x0), float(y0), float(cell_m), n_cols, n_rows, kind)

    def locate(self, xy: np.ndarray) -> np.ndarray:
        """Cell id of each point, -1 for points outside the grid."""
        if self.kind == "square":
            col = np.floor((xy[:, 0] - self.x0) / self.cell_m + 0.5).astype(np.int64)
            row = np.floor((xy[:, 1] - self.y0) / self.cell_m + 0.5).astype(np.int64)
        else:
            row, col = self._hex_row_col(xy)
        inside = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        return np.where(inside, row * self.n_cols + col, -1)

    def _hex_row_col(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Pixel -> axial coordinates, then cube rounding (Patel, "Hexagonal Grids", redblobgames).
        size = self.cell_m / SQRT3
        dx, dy = xy[:, 0] - self.x0, xy[:, 1] - self.y0
        q = (SQRT3 / 3 * dx - dy / 3) / size
        r = (2 / 3 * dy) / size
        s = -q - r
        rq, rr, rs = np.round(q), np.round(r), np.round(s)
        dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
        fix_q = (dq > dr) & (dq > ds)
        fix_r = ~fix_q & (dr > ds)
        rq = np.where(fix_q, -rr - rs, rq)
        rr = np.where(fix_r, -rq - rs, rr)
        row = rr.astype(np.int64)
        col = rq.astype(np.int64) + (row - (row & 1)) // 2
        return row, col

    def centres(self) -> np.ndarray:
        """Centre of every cell in id order, shape ``(n_cells, 2)``."""
        row, col = np.divmod(np.arange(self.n_cells), self.n_cols)
        shift = 0.0 if self.kind == "square" else (row & 1) * 0.5
        x = self.x0 + (col + shift) * self.cell_m
        y = self.y0 + row * self.row_step
        return np.column_stack([x, y])

    def polygons(self) -> np.ndarray:
        """Shapely polygon of every cell in id order."""
        centres = self.centres()
        if self.kind == "square":
            half = self.cell_m / 2
            return shapely.box(*(centres - half).T, *(centres + half).T)
        angles = np.deg2rad(30 + 60 * np.arange(7))
        radius = self.cell_m / SQRT3
        ring = np.column_stack([np.cos(angles), np.sin(angles)]) * radius
        return shapely.polygons(centres[:, None, :] + ring[None, :, :])

    def counts(self, xy: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Points (or summed weights) per cell in id order; points outside are ignored."""
        cells = self.locate(xy)
        inside = cells >= 0
        chosen = None if weights is None else weights[inside]
        return np.bincount(cells[inside], weights=chosen, minlength=self.n_cells)

    def within(self, area: object) -> np.ndarray:
        """Boolean mask of the cells that intersect `area` (shapely in WGS84, or a GeoSeries)."""
        if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
            region = area.to_crs(CRS_BNG).union_all()
        else:
            region = gpd.GeoSeries([area], crs=CRS_WGS84).to_crs(CRS_BNG).iloc[0]
        shapely.prepare(region)
        return shapely.intersects(region, self.polygons())

    def frame(
        self, values: dict[str, np.ndarray], keep: np.ndarray | None = None
    ) -> gpd.GeoDataFrame:
        """GeoDataFrame of cells: cell_id, row, col, then `values` (aligned with the kept cells).

        `keep` is a boolean mask over all cells (default: every cell).
        """
        ids = np.arange(self.n_cells) if keep is None else np.flatnonzero(keep)
        row, col = np.divmod(ids, self.n_cols)
        data = {"cell_id": ids, "row": row, "col": col, **values}
        return gpd.GeoDataFrame(data, geometry=self.polygons()[ids], crs=CRS_BNG)


def count_by_cell(
    frame: gpd.GeoDataFrame,
    *,
    cell_m: float = DEFAULT_CELL_M,
    kind: str = "square",
    spec: GridSpec | None = None,
    study_area: object = None,
) -> gpd.GeoDataFrame:
    """Sightings per grid cell, every cell of the grid included (zeros too).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer, Point geometry with a CRS.
    cell_m : float, default 250
        Square side, or hexagon width across the flats, in metres.
    kind : {'square', 'hex'}
        Cell shape.
    spec : GridSpec, optional
        A fixed grid (e.g. shared by two periods); `cell_m` and `kind` are then ignored.
    study_area : shapely geometry in WGS84 or GeoSeries, optional
        Keep only the cells intersecting it.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id, row, col, count, geometry`` (polygons, EPSG:27700), one row per cell.

    Notes
    -----
    Square grids are aligned to multiples of `cell_m` on the national grid, so grids drawn on
    different days from different data share cell edges. Hexagon areas are
    :math:`\\sqrt{3}/2 \\cdot \\text{cell\\_m}^2`.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> points = gpd.GeoDataFrame(
    ...     geometry=[Point(100, 100), Point(120, 130), Point(600, 100)], crs="EPSG:27700")
    >>> cells = count_by_cell(points, cell_m=250)
    >>> cells["count"].tolist()
    [2, 0, 1]
    """
    xy = bng_xy(frame)
    grid = spec if spec is not None else GridSpec.covering(xy, cell_m, kind)
    keep = np.ones(grid.n_cells, dtype=bool) if study_area is None else grid.within(study_area)
    return grid.frame({"count": grid.counts(xy)[keep].astype(np.int64)}, keep)
