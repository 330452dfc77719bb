"""Before-and-after evaluation of disruption: target, displacement buffer and comparison area.

Sightings are counted month by month in three places: the *target* area the action covered,
a *buffer* ring around it (where activity may have moved: displacement, or where the benefit
may have spread: diffusion) and a *comparison* area the action did not touch (chosen by the
analyst, or matched automatically: the grid cells whose before-period counts are nearest to
the target's). From the four totals of target and comparison, before and after, come a rate
ratio with its 95 % confidence interval; with the buffer, the Weighted Displacement Quotient.
Pure functions over a sightings frame: the database is read by `hotspots.db.disruptions`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.analysis import count_by_cell
from hotspots.analysis.frames import bng_xy
from hotspots.domain import CRS_BNG, CRS_WGS84

DEFAULT_MONTHS: Final[int] = 12
#: Width of the displacement ring around the target, metres from its edge. Bowers and
#: Johnson advise a buffer about as wide as offenders would readily move; 800 m is a
#: ten-minute walk, and the synthetic generator moves displaced activity 650-850 m.
DEFAULT_BUFFER_M: Final[float] = 800.0
#: Automatic comparison: square cells of this side, and how many are joined together.
COMPARISON_CELL_M: Final[float] = 500.0
COMPARISON_CELLS: Final[int] = 5
#: Gap kept between the buffer and any comparison cell, so the comparison is not itself
#: reached by displacement.
COMPARISON_GAP_M: Final[float] = 500.0
#: Below this many sightings in the target (before and after together), or in the
#: comparison area, the verdict is "too few sightings to judge". With 10 before and 10 after
#: the 95 % interval of the rate ratio runs from about 0.4 to 2.4 times the estimate: a
#: change smaller than 60 % could not be told from chance.
MIN_SIGHTINGS_TO_JUDGE: Final[int] = 20
Z_95: Final[float] = 1.959964


@dataclass(frozen=True)
class RateRatio:
    """Relative change in the target against the comparison, with a 95 % interval."""

    ratio: float
    low: float
    high: float
    corrected: bool  # 0.5 was added to every count because one was zero


@dataclass(frozen=True)
class Displacement:
    """Bowers and Johnson's (2003) measures; `wdq` None when the target did not fall
    relative to the comparison (the quotient is then not interpretable)."""

    success_measure: float
    buffer_measure: float
    wdq: float | None
    total_net_effect: float


@dataclass(frozen=True)
class Evaluation:
    """Monthly counts, totals, the statistics and the plain-English verdict."""

    start: date
    before_start: date
    after_end: date
    monthly: pd.DataFrame  # index: month (Period); columns target, buffer, comparison
    totals: dict[str, dict[str, int]]  # {"target": {"before": n, "after": n}, ...}
    rate_ratio: RateRatio | None
    buffer_ratio: RateRatio | None
    displacement: Displacement | None
    judgement: str  # "too_few", "fell", "rose", "no_clear_change"
    verdict: str
    comparison_method: str  # "chosen" or "matched"
    areas: gpd.GeoDataFrame  # role (target, buffer, comparison), geometry in EPSG:4326

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON (the command line) and the audit entry."""
        return {
            "start": self.start.isoformat(),
            "before_start": self.before_start.isoformat(),
            "after_end": self.after_end.isoformat(),
            "totals": self.totals,
            "rate_ratio": _plain(self.rate_ratio),
            "buffer_ratio": _plain(self.buffer_ratio),
            "displacement": _plain(self.displacement),
            "judgement": self.judgement,
            "verdict": self.verdict,
            "comparison_method": self.comparison_method,
            "monthly": {
                str(month): {k: int(v) for k, v in row.items()}
                for month, row in self.monthly.iterrows()
            },
        }


def _plain(value: object) -> dict[str, object] | None:
    return None if value is None else dict(value.__dict__)


# ---------------------------------------------------------------- the statistics


def rate_ratio(
    target_before: int, target_after: int, comparison_before: int, comparison_after: int
) -> RateRatio:
    """The target's after/before ratio divided by the comparison's, with a 95 % interval.

    Notes
    -----
    :math:`RR = (R_a / R_b) / (C_a / C_b)`, where R and C are sightings in the target and the
    comparison area, b before and a after. Below 1 the target fell more (or rose less) than
    the comparison. Period lengths cancel, so before and after need not be equally long.
    Treating each count as Poisson, the log of the ratio has variance
    :math:`1/R_a + 1/R_b + 1/C_a + 1/C_b` (the delta method; Farrington and Welsh's relative
    effect size uses the same variance), so the 95 % interval is
    :math:`\\exp(\\ln RR \\pm 1.96 \\sqrt{var})` (log-normal). When any count is zero, 0.5 is
    added to all four (Haldane's correction), and `corrected` says so. Over-dispersion (months
    busier than Poisson) would widen the interval; it is not modelled.

    Examples
    --------
    >>> r = rate_ratio(100, 50, 100, 100)
    >>> round(r.ratio, 3), round(r.low, 3), round(r.high, 3)
    (0.5, 0.323, 0.775)
    """
    counts = np.array([target_before, target_after, comparison_before, comparison_after], float)
    corrected = bool((counts == 0).any())
    if corrected:
        counts = counts + 0.5
    rb, ra, cb, ca = counts
    ratio = (ra / rb) / (ca / cb)
    spread = Z_95 * math.sqrt((1 / counts).sum())
    return RateRatio(
        ratio=float(ratio),
        low=float(ratio * math.exp(-spread)),
        high=float(ratio * math.exp(spread)),
        corrected=corrected,
    )


def weighted_displacement(
    target: tuple[int, int], buffer: tuple[int, int], comparison: tuple[int, int]
) -> Displacement | None:
    """The Weighted Displacement Quotient of Bowers and Johnson (2003).

    Each argument is (before, after) sightings.

    Notes
    -----
    With R the target, D the buffer, C the comparison, b before and a after:

    * success measure :math:`SM = R_a/C_a - R_b/C_b` (negative: the target fell relative to
      the comparison);
    * buffer displacement measure :math:`BDM = D_a/C_a - D_b/C_b`;
    * :math:`WDQ = BDM / SM`, read only when SM < 0. WDQ > 0: diffusion of benefits (the
      buffer improved too); WDQ < 0: displacement; WDQ < -1: more moved to the buffer than
      the target lost (net harm); near 0: neither.
    * total net effect :math:`TNE = (R_b C_a/C_b - R_a) + (D_b C_a/C_b - D_a)`: sightings
      prevented net of displacement, in sightings (positive is good).

    Returns None when the comparison has no sightings in a period (the ratios are undefined).

    Examples
    --------
    >>> d = weighted_displacement((100, 50), (40, 60), (200, 200))
    >>> d.success_measure, d.buffer_measure, d.wdq, d.total_net_effect
    (-0.25, 0.1, -0.4, 30.0)
    """
    (rb, ra), (db, da), (cb, ca) = target, buffer, comparison
    if cb == 0 or ca == 0:
        return None
    success = ra / ca - rb / cb
    buffer_measure = da / ca - db / cb
    wdq = buffer_measure / success if success < 0 else None
    tne = (rb * ca / cb - ra) + (db * ca / cb - da)
    return Displacement(
        success_measure=round(success, 6),
        buffer_measure=round(buffer_measure, 6),
        wdq=None if wdq is None else round(wdq, 6),
        total_net_effect=round(tne, 6),
    )


# ---------------------------------------------------------------- the areas


def _to_bng(geometry: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([geometry], crs=CRS_WGS84).to_crs(CRS_BNG).iloc[0]


def displacement_ring(target_bng: BaseGeometry, buffer_m: float) -> BaseGeometry:
    """The ring from the target's edge out to `buffer_m` metres (BNG in, BNG out)."""
    return target_bng.buffer(buffer_m).difference(target_bng)


def match_comparison(
    xy_before: np.ndarray,
    target_before: int,
    exclude_bng: BaseGeometry,
    *,
    cell_m: float = COMPARISON_CELL_M,
    cells: int = COMPARISON_CELLS,
) -> BaseGeometry | None:
    """The union of the `cells` grid squares whose before-period counts are nearest to the
    target's, among squares with sightings that do not touch `exclude_bng` (BNG metres).

    Ties go to the square nearer the target, so the comparison stays in similar
    surroundings. None when no square qualifies.
    """
    if len(xy_before) == 0:
        return None
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy_before.T), crs=CRS_BNG)
    grid = count_by_cell(points, cell_m=cell_m)
    grid = grid[(grid["count"] > 0) & ~grid.intersects(exclude_bng)]
    if grid.empty:
        return None
    grid = grid.assign(
        gap=(grid["count"] - target_before).abs(),
        distance=grid.geometry.centroid.distance(exclude_bng.centroid),
    ).sort_values(["gap", "distance"], kind="stable")
    return shapely.union_all(grid.geometry.iloc[:cells].to_numpy())


# ---------------------------------------------------------------- counting


def _month_start(day: date) -> pd.Period:
    return pd.Period(pd.Timestamp(day), freq="M")


def _periods(
    start: date, seen_at: pd.Series, months_before: int, months_after: int, data_end: date | None
) -> tuple[pd.Period, pd.Period, pd.Period]:
    """(first before month, first after month, first month after the after period)."""
    first_after = _month_start(start)
    last_data = _month_start(data_end) if data_end else None
    if last_data is None and len(seen_at):
        last_data = pd.Period(pd.Timestamp(seen_at.max()), freq="M")
    stop = first_after + months_after
    if last_data is not None:
        stop = min(stop, last_data + 1)
    return first_after - months_before, first_after, max(stop, first_after + 1)


def monthly_counts(
    frame: gpd.GeoDataFrame,
    areas: dict[str, BaseGeometry],
    first: pd.Period,
    stop: pd.Period,
) -> pd.DataFrame:
    """Sightings per month (rows, ``first`` up to but excluding ``stop``) in each BNG area."""
    months = pd.period_range(first, stop - 1, freq="M")
    result = pd.DataFrame(0, index=months, columns=list(areas), dtype="int64")
    if frame.empty:
        return result
    xy = bng_xy(frame)
    month = pd.to_datetime(frame["seen_at"]).dt.tz_localize(None).dt.to_period("M").to_numpy()
    for role, geometry in areas.items():
        if geometry is None:
            continue
        shapely.prepare(geometry)
        inside = shapely.contains_xy(geometry, xy[:, 0], xy[:, 1])
        counts = pd.Series(month[inside]).value_counts()
        result[role] = counts.reindex(months, fill_value=0).to_numpy(dtype="int64")
    return result


# ---------------------------------------------------------------- the verdict


def _percent(ratio: float) -> str:
    change = (ratio - 1) * 100
    return f"{abs(change):.0f} % {'lower' if change < 0 else 'higher'}"


def _judge(totals: dict[str, dict[str, int]], rr: RateRatio | None, min_sightings: int) -> str:
    target = totals["target"]["before"] + totals["target"]["after"]
    comparison = totals["comparison"]["before"] + totals["comparison"]["after"]
    if rr is None or target < min_sightings or comparison < min_sightings:
        return "too_few"
    if rr.high < 1:
        return "fell"
    if rr.low > 1:
        return "rose"
    return "no_clear_change"


def _verdict(
    judgement: str,
    totals: dict[str, dict[str, int]],
    rr: RateRatio | None,
    buffer_rr: RateRatio | None,
    displacement: Displacement | None,
    min_sightings: int,
) -> str:
    t, c = totals["target"], totals["comparison"]
    counts = (
        f"Target area: {t['before']} sightings before, {t['after']} after; comparison area: "
        f"{c['before']} before, {c['after']} after."
    )
    if judgement == "too_few":
        return (
            f"Too few sightings to judge: fewer than {min_sightings} in the target area or in "
            f"the comparison area over both periods, so no change could be told from chance. "
            + counts
        )
    interval = f"(95 % interval {rr.low:.2f} to {rr.high:.2f})"
    sentences = {
        "fell": (
            f"Sightings in the target area fell: after the action they ran {_percent(rr.ratio)} "
            f"than the comparison area would suggest, rate ratio {rr.ratio:.2f} {interval}. "
            "We can be fairly sure this is not chance: the whole interval lies below 1."
        ),
        "rose": (
            f"Sightings in the target area rose: {_percent(rr.ratio)} than the comparison area "
            f"would suggest, rate ratio {rr.ratio:.2f} {interval}. The whole interval lies "
            "above 1, so this is unlikely to be chance."
        ),
        "no_clear_change": (
            f"No clear change: the rate ratio is {rr.ratio:.2f} {interval}, and the interval "
            "includes 1 (no change), so the data cannot tell an effect from chance."
        ),
    }
    return " ".join([sentences[judgement], _buffer_sentence(buffer_rr, displacement), counts])


def _buffer_sentence(buffer_rr: RateRatio | None, displacement: Displacement | None) -> str:
    parts = []
    if buffer_rr is not None:
        if buffer_rr.low > 1:
            parts.append(
                f"The surrounding buffer rose {(buffer_rr.ratio - 1) * 100:.0f} % more than the "
                f"comparison (ratio {buffer_rr.ratio:.2f}, 95 % interval {buffer_rr.low:.2f} to "
                f"{buffer_rr.high:.2f}): activity looks displaced to the buffer."
            )
        elif buffer_rr.high < 1:
            parts.append(
                f"The surrounding buffer fell as well (ratio {buffer_rr.ratio:.2f}): the "
                "benefit looks to have spread (diffusion of benefits)."
            )
        else:
            parts.append(
                f"The surrounding buffer shows no clear change (ratio {buffer_rr.ratio:.2f}, "
                f"95 % interval {buffer_rr.low:.2f} to {buffer_rr.high:.2f})."
            )
    if displacement is not None and displacement.wdq is not None:
        words = _wdq_words(displacement.wdq)
        parts.append(f"Weighted Displacement Quotient {displacement.wdq:.2f} ({words}).")
    return " ".join(parts)


def _wdq_words(wdq: float) -> str:
    if wdq > 0:
        return "above 0: diffusion of benefits"
    if wdq < -1:
        return "below -1: more displaced than prevented"
    if wdq < 0:
        return "between -1 and 0: some displacement, but a net benefit"
    return "0: no displacement or diffusion"


# ---------------------------------------------------------------- the entry point


def evaluate(
    sightings: gpd.GeoDataFrame,
    target: BaseGeometry,
    start: date,
    *,
    comparison: BaseGeometry | None = None,
    months_before: int = DEFAULT_MONTHS,
    months_after: int = DEFAULT_MONTHS,
    buffer_m: float = DEFAULT_BUFFER_M,
    data_end: date | None = None,
    min_sightings: int = MIN_SIGHTINGS_TO_JUDGE,
) -> Evaluation:
    """Evaluate an action that began on `start` in the `target` area (a WGS84 polygon).

    Parameters
    ----------
    sightings : sightings frame (``seen_at`` and Point geometry, EPSG:4326) covering the
        before and after periods.
    target, comparison : polygons in EPSG:4326; without `comparison`, one is matched (see
        `match_comparison`).
    start : the action's first day; its month is the first month *after*.
    months_before, months_after : length of the two periods, in whole months; the after
        period stops at the last month with data (`data_end`, default the last sighting).
    buffer_m : width of the displacement ring around the target, metres.
    min_sightings : below this, in the target or the comparison, the verdict is "too few".

    Returns
    -------
    Evaluation
        See `rate_ratio` and `weighted_displacement` for the statistics.
    """
    first, first_after, stop = _periods(
        start, sightings["seen_at"], months_before, months_after, data_end
    )
    target_bng = _to_bng(target)
    ring = displacement_ring(target_bng, buffer_m)
    method = "chosen" if comparison is not None else "matched"
    if comparison is not None:
        comparison_bng = _to_bng(comparison).difference(target_bng.buffer(buffer_m))
    else:
        comparison_bng = _matched(sightings, target_bng, buffer_m, first, first_after)
    areas = {"target": target_bng, "buffer": ring, "comparison": comparison_bng}
    monthly = monthly_counts(sightings, areas, first, stop)
    after = monthly.index >= first_after
    totals = {
        role: {
            "before": int(monthly.loc[~after, role].sum()),
            "after": int(monthly.loc[after, role].sum()),
        }
        for role in areas
    }
    return _assemble(monthly, totals, areas, method, first, first_after, stop, min_sightings)


def _matched(sightings, target_bng, buffer_m, first, first_after) -> BaseGeometry | None:
    month = pd.to_datetime(sightings["seen_at"]).dt.tz_localize(None).dt.to_period("M")
    before = sightings[((month >= first) & (month < first_after)).to_numpy()]
    if before.empty:
        return None
    xy = bng_xy(before)
    inside = shapely.contains_xy(target_bng, xy[:, 0], xy[:, 1])
    exclude = target_bng.buffer(buffer_m + COMPARISON_GAP_M)
    return match_comparison(xy, int(inside.sum()), exclude)


def _pair(totals: dict[str, dict[str, int]], role: str) -> tuple[int, int]:
    return totals[role]["before"], totals[role]["after"]


def _assemble(monthly, totals, areas, method, first, first_after, stop, min_sightings):
    has_comparison = areas["comparison"] is not None and sum(_pair(totals, "comparison")) > 0
    rr = buffer_rr = displacement = None
    if has_comparison:
        rr = rate_ratio(*_pair(totals, "target"), *_pair(totals, "comparison"))
        buffer_rr = rate_ratio(*_pair(totals, "buffer"), *_pair(totals, "comparison"))
        displacement = weighted_displacement(
            _pair(totals, "target"), _pair(totals, "buffer"), _pair(totals, "comparison")
        )
    judgement = _judge(totals, rr, min_sightings)
    verdict = _verdict(judgement, totals, rr, buffer_rr, displacement, min_sightings)
    shapes = gpd.GeoDataFrame(
        {"role": list(areas)},
        geometry=[g if g is not None else shapely.Polygon() for g in areas.values()],
        crs=CRS_BNG,
    ).to_crs(CRS_WGS84)
    return Evaluation(
        start=first_after.start_time.date(),
        before_start=first.start_time.date(),
        after_end=stop.start_time.date(),
        monthly=monthly,
        totals=totals,
        rate_ratio=rr,
        buffer_ratio=buffer_rr,
        displacement=displacement,
        judgement=judgement,
        verdict=verdict,
        comparison_method=method,
        areas=shapes,
    )


# ---------------------------------------------------------------- the chart

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
CHART_COLOURS: Final[dict[str, str]] = {
    "target": "#D55E00",
    "buffer": "#0072B2",
    "comparison": "#009E73",
}
CHART_LABELS: Final[dict[str, str]] = {
    "target": "Target area",
    "buffer": "Surrounding buffer",
    "comparison": "Comparison area",
}


def chart_png(evaluation: Evaluation, *, width_in: float = 8.0, height_in: float = 3.6) -> bytes:
    """Sightings per month in the three areas, with the start marked: PNG bytes."""
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in a server

    figure = Figure(figsize=(width_in, height_in), dpi=110)
    axes = figure.add_subplot()
    x = evaluation.monthly.index.to_timestamp()
    for role, colour in CHART_COLOURS.items():
        axes.plot(
            x,
            evaluation.monthly[role],
            marker="o",
            markersize=3,
            color=colour,
            label=CHART_LABELS[role],
        )
    axes.axvline(
        pd.Timestamp(evaluation.start),
        color="#444444",
        linestyle="--",
        linewidth=1,
        label="Action starts",
    )
    axes.set_ylabel("Sightings per month")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
