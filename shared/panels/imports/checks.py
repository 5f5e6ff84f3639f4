"""Checks shared by the row parsers: each returns a value or records a ``RowError``."""

from django.db import models

from panels.imports import files
from panels.imports.files import ImportFailed, RowError, Rows


class RowChecker:
    """Collects the problems of a file, so one upload reports them all at once; up to ``files.MAX_ERRORS``.

    At that many the check stops (``ImportFailed``): a file of junk would
    otherwise report millions of rows, more than a page, an e-mail or the
    worker's memory can hold. The last line of the report then says how many
    lines of the file after the table's current row (``rows``) were not checked.
    """

    def __init__(self, rows: Rows | None = None) -> None:
        self.errors: list[RowError] = []
        self.rows = rows

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message).shortened())
        if len(self.errors) >= files.MAX_ERRORS:
            self._stop()

    def _stop(self) -> None:
        rest = self.rows.count_rest() if self.rows is not None else 0
        stopped = f"Stopped after {len(self.errors):,} problems"
        if rest:
            message = f"{stopped}: the {rest:,} lines after row {self.rows.last} were not checked."
        else:
            message = f"{stopped}; the file may have more."
        raise ImportFailed([*self.errors, RowError(None, "", message)], unchecked=rest)

    def integer(self, row: int, column: str, value: str) -> int | None:
        value = value.strip()
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(row, column, f"{value!r} is not a whole number.")
            return None
        if number < 0:
            self.error(row, column, f"{number} is negative.")
            return None
        return number

    def fits(self, row: int, column: str, model: type[models.Model], field: str, value: str) -> str:
        limit = model._meta.get_field(field).max_length
        if limit and len(value) > limit:
            self.error(row, column, f"Longer than {limit} characters.")
        return value

    def one_of(self, row: int, column: str, value: str, allowed, what: str) -> str:
        if value not in allowed:
            self.error(row, column, f"Unknown {what} {value!r}.")
        return value
