"""Checks shared by the row parsers: each returns a value or records a ``RowError``."""

from django.db import models

from panels.imports.files import RowError


class RowChecker:
    """Collects every problem of a file, so one upload reports them all at once."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

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
