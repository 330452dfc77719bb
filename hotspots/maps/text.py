"""Text that goes into a map: escaped for HTML, and numbers formatted for people.

folium puts popup and tooltip text inside JavaScript template literals (backticks) and then into
the page as HTML, so escaping `<>&"'` is not enough: a backtick, `${` or a backslash in a name
would end the literal or run code. `escape_text` closes all of those doors.
"""

from __future__ import annotations

import html
import math
from numbers import Real

import pandas as pd

_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape_text(value: object) -> str:
    """Escape any value for use as HTML text in a popup, tooltip, label or legend.

    >>> escape_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape_text("`${x}`\\\\")
    '&#96;&#36;{x}&#96;&#92;'
    >>> escape_text(None)
    ''
    """
    if _is_missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_number(value: object) -> str:
    """A count with thousands separators, or a measurement to three significant figures.

    >>> format_number(12345)
    '12,345'
    >>> format_number(0.012345)
    '0.0123'
    >>> format_number(2.5)
    '2.5'
    """
    if _is_missing(value) or not isinstance(value, Real):
        return "–" if _is_missing(value) else escape_text(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.3g}" if abs(number) < 1000 else f"{number:,.0f}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 sighting', '2 sightings'.

    >>> plural(1, "sighting"), plural(1200, "sighting")
    ('1 sighting', '1,200 sightings')
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{format_number(count)} {word}"
