"""Keyset (cursor) pages: a page of a long list read from an index, however deep it lies.

A numbered page costs a ``COUNT(*)`` of everything that matches and an
``OFFSET`` that reads every row before it, so the last page of a million rows
reads a million rows. A keyset page instead remembers where it ends (the
ordering columns of its last row) and asks for the rows past that point:
``WHERE (created, id) < (…) ORDER BY created DESC, id DESC LIMIT 51`` reads
51 index entries on the first page and on the ten-thousandth. The oldest end
is as cheap: the same query in the other direction, reversed.

A cursor is the position and the direction, encoded as URL-safe text; its
values are checked with the model fields' own ``to_python``, so a forged
cursor is an ``InvalidCursor``, never a database error.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet

AFTER, BEFORE = "a", "b"  # further down the list, back up it
MAX_CURSOR_LENGTH = 400


class InvalidCursor(ValueError):
    """A cursor this list did not write."""


@dataclass(frozen=True)
class Page:
    items: list
    # Cursors of the neighbouring pages; None at either end (``previous`` may lead to an empty page
    # only if rows were removed meanwhile).
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class Keyset:
    """A list ordered by ``fields`` (unique together, the last usually the primary key), all one direction."""

    fields: tuple[str, ...]
    descending: bool = False

    def first(self, queryset: QuerySet, size: int) -> Page:
        rows = list(self._ordered(queryset, forwards=True)[: size + 1])
        return Page(rows[:size], None, self._cursor(AFTER, rows[size - 1]) if len(rows) > size else None)

    def last(self, queryset: QuerySet, size: int) -> Page:
        """The far end of the list (the oldest entries of a newest-first list)."""
        rows = list(self._ordered(queryset, forwards=False)[: size + 1])
        items = rows[:size][::-1]
        return Page(items, self._cursor(BEFORE, items[0]) if len(rows) > size else None, None)

    def page(self, queryset: QuerySet, cursor: str | None, size: int) -> Page:
        """The page a cursor points to, or the first page without one."""
        if not cursor:
            return self.first(queryset, size)
        direction, position = self.decode(queryset, cursor)
        forwards = direction == AFTER
        rows = list(self._ordered(queryset.filter(self._beyond(position, forwards)), forwards=forwards)[: size + 1])
        more = len(rows) > size
        items = rows[:size] if forwards else rows[:size][::-1]
        if not items:
            return Page([], None, None)
        if forwards:
            return Page(items, self._cursor(BEFORE, items[0]), self._cursor(AFTER, items[-1]) if more else None)
        return Page(items, self._cursor(BEFORE, items[0]) if more else None, self._cursor(AFTER, items[-1]))

    def decode(self, queryset: QuerySet, cursor: str) -> tuple[str, tuple]:
        """(direction, position) from a cursor of this list, checked against the model's fields."""
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError
            direction, *values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii") + b"=="))
            if direction not in (AFTER, BEFORE) or len(values) != len(self.fields):
                raise ValueError
            meta = queryset.model._meta
            position = tuple(
                meta.get_field(name).to_python(value) for name, value in zip(self.fields, values, strict=True)
            )
            if any(_unusable(value) for value in position):
                raise ValueError
        except (ValueError, TypeError, UnicodeError, binascii.Error, ValidationError, FieldDoesNotExist):
            raise InvalidCursor("Invalid cursor.") from None
        return direction, position

    def _ordered(self, queryset: QuerySet, *, forwards: bool) -> QuerySet:
        prefix = "-" if self.descending == forwards else ""
        return queryset.order_by(*(prefix + name for name in self.fields))

    def _beyond(self, position: Sequence[Any], forwards: bool) -> Q:
        """Rows strictly past ``position`` in the direction read: a row-value comparison spelled out.

        The first column's non-strict bound comes first so the index scan starts at the position
        (PostgreSQL uses it as an index condition; the OR alone it would only filter with).
        """
        lookup = "lt" if self.descending == forwards else "gt"
        past = Q()
        for depth in range(len(self.fields)):
            equal = {name: value for name, value in zip(self.fields[:depth], position[:depth], strict=True)}
            past |= Q(**equal, **{f"{self.fields[depth]}__{lookup}": position[depth]})
        return Q(**{f"{self.fields[0]}__{lookup}e": position[0]}) & past

    def _cursor(self, direction: str, row: Any) -> str:
        values = [_plain(row[name] if isinstance(row, dict) else getattr(row, name)) for name in self.fields]
        text = json.dumps([direction, *values], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def _unusable(value: Any) -> bool:
    # A naive time would be read in the server's zone: only what ``_cursor`` writes (with its offset) is taken.
    return value is None or isinstance(value, (list, dict)) or (isinstance(value, datetime) and value.tzinfo is None)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
