"""Cells of the CSV files calc writes, made safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or carriage return, the same) as a formula, so a student name or a layer name such as
``=HYPERLINK(...)`` would become live code on the instructor's machine (OWASP's "CSV injection").
Such text is written with a leading apostrophe, which spreadsheets show as text; numbers stay numbers.
NUL bytes are dropped: some readers end a cell or the file at one.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading ', NUL bytes go; anything else is returned
    as it is."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value
