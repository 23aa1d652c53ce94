"""What every CSV/XLSX export of case_flows shares: cells a spreadsheet program will not run
as formulas, and a file-like object that lets csv.writer feed a streaming response."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def safe_cell(value):
    """Keep a spreadsheet program from running a client's name (or any text) as a formula:
    text starting like a formula gets a leading quote; None is an empty cell; numbers, dates
    and flags stay what they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
