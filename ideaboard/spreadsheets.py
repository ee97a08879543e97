"""CSV files meant for a spreadsheet (Excel, LibreOffice Calc, Google Sheets), all written one way.

A spreadsheet opening a CSV file reads a cell that begins with `=`, `+`, `-` or `@` (or a tab, a
carriage return or a NUL) as a formula: an ideathon or an indicator named `=HYPERLINK("https://…")`
would become a live link, or worse, in the coordinator's spreadsheet ("CSV injection", OWASP). So,
as OWASP advises, such a text cell is written with an apostrophe before it (`'=HYPERLINK(…)`): the
spreadsheet shows it as text, and our own import (`read_cell()`) takes the apostrophe off again.

Per column type: a cell is either a number or text, as the row gives it. Numbers (int, float,
Decimal) are written as they are, a negative one too (`-5` stays a number a spreadsheet can add up);
text is neutralised whatever it looks like, so `-5` typed in a name becomes `'-5`. Writers therefore
hand numbers over as numbers, never already formatted as text.

Used by the evaluation's figures (evaluation.csv) and the baseline's import template. The open data
(archive/opendata.py) is not meant for a spreadsheet but for programs: its CSV files keep the exact
values, identical to its JSON and to the API (README, "Open data").
"""
import csv
import io
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")
BOM = "\ufeff"  # Excel reads a CSV file as UTF-8 only with it


def cell(value) -> str | int | float | Decimal:
    """One cell: a number as it is, None as empty, text neutralised if a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def read_cell(text: str) -> str:
    """A cell of a file we wrote, as it was before `cell()`: the apostrophe before a formula sign goes."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def spreadsheet_csv(header: list, rows, *, bom: bool = False) -> str:
    """CSV text (comma-separated, CRLF lines, RFC 4180 quoting) with every cell through `cell()`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(value) for value in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return (BOM if bom else "") + out.getvalue()
