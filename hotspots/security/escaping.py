"""Escaping of record text (notes, premises and area names, file names) before display.

Pick the function by where the text goes (docs/SECURITY.md has the full table):

- HTML: folium popups (`folium.Popup(html)`, whose default renders HTML), tooltips,
  `GeoJsonTooltip`/`GeoJsonPopup` properties, `st.html`, `Styler.to_html` -> `esc`, `esc_frame`.
- Markdown: `st.markdown`, `st.caption`, `st.table` cells, widget labels -> `esc_markdown`,
  `esc_frame(..., how="markdown")`.
- `st.dataframe` draws text on a canvas and interprets nothing: give it the raw text
  (escaping there would show `&lt;` to the reader).

Escape once, at the last step before the sink: escaping twice shows entities to the reader.
Never put record text into an `href`, `src` or `style` attribute, even escaped.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any, Final, Literal

import pandas as pd

#: C0/C1 control characters (but tab, line feed, carriage return) and the Unicode bidirectional
#: controls, which can make a file name or note read differently from what it is
#: ("Trojan Source"). They are removed rather than escaped.
_INVISIBLE: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_MARKDOWN_SPECIAL: Final = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS: Final = re.compile(r"\s*[\r\n]+\s*")


def _text(value: object) -> str:
    """The value as text: None and missing values (NaN, NA, NaT) become ''."""
    if value is None:
        return ""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    return _INVISIBLE.sub("", str(value))


def esc(value: object) -> str:
    """HTML-escape text from a record: `& < > " '` become entities; None becomes ''.

    >>> esc('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc(None), esc("O'Neill's \\"Grill\\" & Bar")
    ('', 'O&#x27;Neill&#x27;s &quot;Grill&quot; &amp; Bar')
    """
    return html.escape(_text(value), quote=True)


def esc_markdown(value: object, keep_newlines: bool = False) -> str:
    r"""Escape text for Streamlit markdown: every ASCII punctuation mark gets a backslash.

    CommonMark shows a backslash-escaped punctuation mark as itself, so no link, emphasis,
    heading, table pipe, HTML tag, `:red[...]` directive or `$` formula can be formed, and
    an `&` cannot start an entity. Line breaks become spaces unless `keep_newlines`, so a note
    cannot break out of a table row or a list item.

    >>> esc_markdown("[x](javascript:alert(1))")
    '\\[x\\]\\(javascript\\:alert\\(1\\)\\)'
    >>> esc_markdown("<script>")
    '\\<script\\>'
    """
    text = _text(value)
    if not keep_newlines:
        text = _LINE_BREAKS.sub(" ", text).strip()
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _escape_cell(value: Any, escape: Any) -> Any:
    """Escape text (and containers of text, shown as text); leave anything else as it is.

    Missing values, numbers, dates and geometries carry no markup of their own.
    """
    if isinstance(value, str | list | tuple | set | dict):
        return escape(value)
    return value


def _escape_label(label: Any, escape: Any) -> Any:
    return escape(label) if isinstance(label, str) else label


def esc_frame(
    frame: pd.DataFrame,
    how: Literal["html", "markdown"] = "html",
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """A copy of `frame` with every text column (object, string or category dtype) escaped.

    Column labels and text index labels are escaped too, as an imported file names its own
    columns. Numbers, dates and geometries are left alone; missing values stay missing.
    `columns` limits the escaping to those columns (labels before escaping).

    >>> frame = pd.DataFrame({"name": ["<b>Kebab</b>"], "sightings": [3]})
    >>> esc_frame(frame)["name"].iloc[0]
    '&lt;b&gt;Kebab&lt;/b&gt;'
    """
    escape = esc if how == "html" else esc_markdown
    escaped = frame.copy()
    for column in columns if columns is not None else _text_columns(frame):
        escaped[column] = frame[column].astype(object).map(lambda v: _escape_cell(v, escape))
    escaped.columns = [_escape_label(label, escape) for label in frame.columns]
    if _is_text(frame.index):
        escaped.index = frame.index.map(lambda label: _escape_label(label, escape))
    return escaped


def _is_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [column for column in frame.columns if _is_text(frame[column])]


#: A cell starting with one of these runs as a formula when a spreadsheet opens a CSV.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (CSV injection) gets a leading quote.

    For every CSV or XLSX export: a note or premises name such as ``=HYPERLINK(...)`` must
    reach the reader as text. Numbers and other values are returned as they are.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("Deane"), spreadsheet_safe(-3)
    ("'=HYPERLINK(1)", 'Deane', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with `spreadsheet_safe` applied to every cell and column label."""
    safe = frame.map(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(label) for label in frame.columns]
    return safe
