"""Readers: a file's bytes to a frame of text with the row number each record had in the file.

CSV (UTF-8, with or without a byte-order mark; comma, semicolon or tab, detected from the
heading line), XLSX (the first worksheet, read-only), and for premises and areas any vector file
GDAL reads (GeoJSON, GeoPackage, Shapefile, zipped Shapefile) through pyogrio, reprojected to
WGS84. Every value comes back as text ('' when empty) so that one set of rules
(`hotspots.ingest.rules`) decides what it means.

Row numbers are those a person sees when opening the file: the heading is row 1 of a CSV or
worksheet, so the first record is row 2; vector files count features from 1. A CSV row that
cannot be read (more values than headings) is reported with its number; anything that makes the
whole file unreadable raises `ImportRejected` saying why and what to do. No reader raises
anything else, whatever bytes it is given.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from hotspots.domain import CRS_BNG, CRS_WGS84
from hotspots.ingest.errors import ImportRejected

#: Files are refused beyond these sizes (the page's upload limit is Streamlit's own).
MAX_ROWS: Final[int] = 2_000_000
MAX_COLUMNS: Final[int] = 500
CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
VECTOR_SUFFIXES: Final = frozenset(
    {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".gml", ".kml"}
)
#: Columns a vector file's geometry is given as (the mapping step offers them like any other).
GEOMETRY_COLUMN: Final[str] = "(geometry)"
GEOMETRY_LON: Final[str] = "(geometry longitude)"
GEOMETRY_LAT: Final[str] = "(geometry latitude)"


@dataclass(frozen=True)
class RawTable:
    """A file read as text.

    `frame` has the file's own column names and text values; `row_numbers[i]` is where
    `frame.iloc[i]` was in the file. `unreadable` lists (row number, reason) for records that
    could not be read at all. `row_word` is how reports name a record ('row' or 'feature').
    """

    file_name: str
    format: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    row_word: str = "row"
    delimiter: str | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.frame.columns)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.unreadable)


def file_format(file_name: str, data: bytes) -> str:
    """'csv', 'xlsx' or 'vector', from the file name, else from the first bytes."""
    suffix = Path(file_name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix == ".xls":
        raise ImportRejected(
            f"{file_name}: the old Excel format (.xls) is not read; save it from Excel as"
            " .xlsx, or as 'CSV UTF-8'"
        )
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    if data.startswith(b"PK"):
        return "xlsx" if b"xl/" in data[:4096] else "vector"
    if data.startswith(b"SQLite format 3") or data.lstrip()[:1] == b"{":
        return "vector"
    return "csv"


def read_table(data: bytes, file_name: str, *, path: Path | None = None) -> RawTable:
    """Read any supported file; `path` lets GDAL find a Shapefile's companion files."""
    try:
        kind = file_format(file_name, data)
        if kind == "csv":
            return read_csv(data, file_name)
        if kind == "xlsx":
            return read_xlsx(data, file_name)
        return read_vector(data, file_name, path=path)
    except ImportRejected:
        raise
    except MemoryError:
        raise ImportRejected(f"{file_name}: too large to read in memory; split it") from None
    except Exception as exc:  # a reader bug or a parser's surprise: still a calm refusal
        raise ImportRejected(
            f"{file_name}: could not be read ({type(exc).__name__}: {str(exc)[:200]});"
            " check it opens in a spreadsheet or GIS program and save it again"
        ) from exc


# ---------------------------------------------------------------------------------------------
# CSV


def _decode(data: bytes, file_name: str) -> bytes:
    """The bytes without a byte-order mark, checked to be UTF-8 text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected(
            f"{file_name}: the file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        raise ImportRejected(
            f"{file_name} line {line}: not UTF-8 text (byte {data[bad.start]:#04x});"
            " save the file as 'CSV UTF-8 (comma delimited)' from Excel, or re-encode it as UTF-8"
        ) from None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise ImportRejected(
            f"{file_name} line {line}: holds a NUL byte, so it is not a text file; export it"
            " again as CSV"
        )
    return data


def _sniff_delimiter(first_line: str) -> str:
    """The most frequent of , ; and tab outside quotes in the heading line (comma on a tie)."""
    counts = dict.fromkeys((",", ";", "\t"), 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def _headers(raw: Iterable[str], file_name: str) -> list[str]:
    headers = [str(h).strip() for h in raw]
    if len(headers) > MAX_COLUMNS:
        raise ImportRejected(f"{file_name}: {len(headers)} columns; at most {MAX_COLUMNS}")
    named = [h or f"column {i + 1}" for i, h in enumerate(headers)]
    seen: dict[str, int] = {}
    for position, name in enumerate(named, start=1):
        if name.lower() in seen:
            raise ImportRejected(
                f"{file_name}: columns {seen[name.lower()]} and {position} are both called"
                f" '{name}'; rename one so each column has its own heading"
            )
        seen[name.lower()] = position
    if not any(headers):
        raise ImportRejected(f"{file_name}: the first row has no column headings")
    return named


def _no_rows(file_name: str) -> ImportRejected:
    return ImportRejected(f"{file_name}: there are no records under the heading row")


def _too_many(file_name: str) -> ImportRejected:
    return ImportRejected(f"{file_name}: more than {MAX_ROWS:,} records; split the file")


def read_csv(data: bytes, file_name: str) -> RawTable:
    """Read a CSV: Arrow's parser when each record is one line, Python's csv module otherwise."""
    data = _decode(data, file_name).rstrip(b"\r\n")
    if not data.strip():
        raise ImportRejected(f"{file_name}: the file is empty")
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    delimiter = _sniff_delimiter(first_line)
    table = _read_csv_fast(data, file_name, delimiter)
    if table is None:
        table = _read_csv_careful(data, file_name, delimiter)
    if table.frame.empty and not table.unreadable:
        raise _no_rows(file_name)
    return table


def _read_csv_fast(data: bytes, file_name: str, delimiter: str) -> RawTable | None:
    """Arrow's multi-threaded reader; None when row numbers could not be trusted from it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        header_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
        headers = _headers(next(csv.reader([header_line], delimiter=delimiter)), file_name)
    except (csv.Error, StopIteration):
        return None
    lines = data.count(b"\n")  # records if each is one line: the heading is line 1
    if lines == 0:
        raise _no_rows(file_name)
    if lines > MAX_ROWS:
        raise _too_many(file_name)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(headers, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != lines:  # blank lines or line breaks inside quotes: count carefully
        return None
    frame = table.to_pandas(types_mapper=lambda _t: pd.StringDtype("pyarrow", na_value=np.nan))
    frame = frame.astype("str").fillna("")
    return RawTable(file_name, "csv", frame, np.arange(2, lines + 2), [], "row", delimiter)


def _read_csv_careful(data: bytes, file_name: str, delimiter: str) -> RawTable:
    """Python's csv module: exact row numbers, blank lines skipped, long rows reported."""
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    numbers: list[int] = []
    unreadable: list[tuple[int, str]] = []
    headers: list[str] | None = None
    line_before = 0
    try:
        for record in reader:
            start, line_before = line_before + 1, reader.line_num
            if not record or all(not value.strip() for value in record):
                continue
            if headers is None:
                headers = _headers(record, file_name)
                continue
            if len(record) > len(headers):
                extra = record[len(headers) :]
                if any(value.strip() for value in extra):
                    unreadable.append(
                        (start, f"has {len(record)} values but the heading row has"
                                f" {len(headers)}; check for a separator inside a value"
                                " that is not in quotes")
                    )  # fmt: skip
                    continue
                record = record[: len(headers)]
            records.append(record + [""] * (len(headers) - len(record)))
            numbers.append(start)
            if len(records) + len(unreadable) > MAX_ROWS:
                raise _too_many(file_name)
    except csv.Error as bad:
        raise ImportRejected(
            f"{file_name} line {reader.line_num}: cannot be read as CSV ({bad}); check the"
            " quotes around values"
        ) from None
    if headers is None:
        raise ImportRejected(f"{file_name}: the file has no heading row")
    frame = pd.DataFrame(records, columns=headers, dtype="str") if records else (
        pd.DataFrame({h: pd.Series([], dtype="str") for h in headers})
    )  # fmt: skip
    return RawTable(file_name, "csv", frame, np.array(numbers, dtype=np.int64), unreadable, "row",
                    delimiter)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# XLSX


def cell_text(value: Any) -> str:
    """A cell or attribute value as the text a CSV export would hold.

    >>> cell_text(3.0), cell_text(2.5), cell_text(datetime(2025, 2, 3, 21, 30)), cell_text(None)
    ('3', '2.5', '2025-02-03 21:30:00', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float | np.floating):
        if np.isnan(value) or np.isinf(value):
            return ""
        return (
            str(int(value))
            if float(value).is_integer() and abs(value) < 1e15
            else repr(float(value))
        )
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes, file_name: str) -> RawTable:
    """The first worksheet; the first row with any value holds the headings."""
    import openpyxl  # uses defusedxml when installed, so crafted XML cannot expand

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected(
            f"{file_name}: not an Excel workbook (.xlsx is a zip file); save it from Excel as"
            " .xlsx, or as 'CSV UTF-8'"
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportRejected(
            f"{file_name}: not a readable Excel workbook ({type(exc).__name__}); open it in Excel"
            " and save it again as .xlsx"
        ) from exc
    try:
        return _read_sheet(workbook, file_name)
    finally:
        workbook.close()


def _read_sheet(workbook: Any, file_name: str) -> RawTable:
    if not workbook.worksheets:
        raise ImportRejected(f"{file_name}: the workbook has no worksheet")
    sheet = workbook.worksheets[0]
    headers: list[str] | None = None
    records: list[list[str]] = []
    numbers: list[int] = []
    unreadable: list[tuple[int, str]] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = [cell_text(v).strip() if isinstance(v, str) else cell_text(v) for v in row]
        if not any(values):
            continue
        if headers is None:
            while values and not values[-1]:
                values.pop()
            headers = _headers(values, file_name)
            continue
        if len(values) > len(headers):
            if any(values[len(headers) :]):
                unreadable.append((number, f"has values beyond the {len(headers)} headed"
                                           " columns; give every column a heading"))  # fmt: skip
                continue
            values = values[: len(headers)]
        records.append(values + [""] * (len(headers) - len(values)))
        numbers.append(number)
        if len(records) > MAX_ROWS:
            raise _too_many(file_name)
    if headers is None:
        raise ImportRejected(f"{file_name}: the first worksheet is empty")
    if not records and not unreadable:
        raise _no_rows(file_name)
    frame = pd.DataFrame(records, columns=headers, dtype="str") if records else pd.DataFrame(
        {h: pd.Series([], dtype="str") for h in headers}
    )  # fmt: skip
    return RawTable(file_name, "xlsx", frame, np.array(numbers, dtype=np.int64), unreadable)


# ---------------------------------------------------------------------------------------------
# Vector files


def read_vector(data: bytes, file_name: str, *, path: Path | None = None) -> RawTable:
    """A GDAL-readable vector file, reprojected to WGS84; geometry given as extra columns.

    `(geometry)` holds each feature's WKT; `(geometry longitude)` and `(geometry latitude)` a
    point on it (the point itself, or a point inside a polygon), so premises and areas map
    them like any other column. A file without a coordinate system is taken as WGS84 when its
    coordinates are degrees and British National Grid when they are metres.
    """
    import pyogrio
    import shapely

    source: Any = path if path is not None and path.suffix.lower() == ".shp" else io.BytesIO(data)
    try:
        with warnings.catch_warnings():  # GDAL notes that in-memory files have no extension
            warnings.filterwarnings("ignore", "File /vsimem/", RuntimeWarning)
            frame = pyogrio.read_dataframe(source)
    except Exception as exc:
        raise ImportRejected(
            f"{file_name}: not a readable vector file ({str(exc).splitlines()[0][:160]});"
            " GeoJSON, GeoPackage and Shapefile (all its files, or zipped together) are read"
        ) from exc
    if "geometry" not in frame or len(frame) == 0:
        raise ImportRejected(f"{file_name}: has no features with a geometry")
    if len(frame) > MAX_ROWS:
        raise _too_many(file_name)
    frame = _to_wgs84(frame, file_name)
    geometry = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    points = np.full(len(frame), None, dtype=object)
    points[~missing] = shapely.point_on_surface(geometry[~missing])
    text = pd.DataFrame(
        {str(column): frame[column].map(cell_text).astype("str") for column in frame.columns
         if column != frame.geometry.name},
        index=pd.RangeIndex(len(frame)),
    )  # fmt: skip
    _headers(text.columns, file_name)
    text[GEOMETRY_COLUMN] = pd.Series(
        np.where(missing, "", shapely.to_wkt(geometry, rounding_precision=8)), dtype="str"
    )
    lon = np.where(missing, np.nan, shapely.get_x(points.astype(object)))
    lat = np.where(missing, np.nan, shapely.get_y(points.astype(object)))
    text[GEOMETRY_LON] = pd.Series([cell_text(v) for v in lon], dtype="str")
    text[GEOMETRY_LAT] = pd.Series([cell_text(v) for v in lat], dtype="str")
    return RawTable(file_name, "vector", text, np.arange(1, len(text) + 1), [], "feature")


def _to_wgs84(frame: Any, file_name: str) -> Any:
    if frame.crs is None:
        west, south, east, north = frame.total_bounds
        if -180 <= west <= east <= 180 and -90 <= south <= north <= 90:
            frame = frame.set_crs(CRS_WGS84)
        elif 0 <= west <= east <= 700_000 and 0 <= south <= north <= 1_300_000:
            frame = frame.set_crs(CRS_BNG)
        else:
            raise ImportRejected(
                f"{file_name}: has no coordinate system and its coordinates are neither degrees"
                " nor British National Grid metres; save it with its .prj or as GeoJSON"
            )
    return frame.to_crs(CRS_WGS84)
