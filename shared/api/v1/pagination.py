"""API v1's pages: upstream's numbers for one panel's lists, cursors for the lists that grow with the tables.

Numbered pages (DRF's, 100 a page) are upstream's, the ``page`` parameter held to its schema.

DRF reads ``page`` with ``int()``, so ``+2``, `` 2`` and ``2_0`` would be
pages too, which no schema can declare. Here a page is what the schema says:
a whole number (past the last page or below 1 is a 404, ``Invalid page.``,
as upstream), ``last``, or empty for the first page, which upstream serves
and the schema declares with ``allowEmptyValue``. Anything else is the same
404 upstream gives for ``page=abc``.
"""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from panels.keyset import MAX_CURSOR_LENGTH, InvalidCursor, Keyset
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumbers(PageNumberPagination):
    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        value = request.query_params.get(self.page_query_param, "")
        if value in self.last_page_strings:
            return paginator.num_pages
        if value == "":
            return 1
        if not (value.isascii() and value.isdigit()):
            raise NotFound(self.invalid_page_message.format(page_number=value, message="not a page number"))
        return int(value)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": "A page number from 1, or last; empty is the first page. Past the last page: 404.",
                "schema": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]},
            }
        ]


class CursorPages(BasePagination):
    """The lists that grow with the tables (activity, entities across panels): keyset pages, no count.

    ``{next, previous, results}``, 100 a page, each link an opaque ``cursor``
    (panels.keyset), so the ten-thousandth page reads as few rows as the first
    and no page counts the table. The view names its order (``view.keyset``).
    ``page`` keeps what it can of upstream's numbers: empty or 1 is the first
    page and ``last`` the far end; any other number is a 404 saying to follow
    ``next``: a number N would mean reading the N-1 pages before it.
    """

    page_size = 100
    invalid_page_message = "Invalid page."  # as upstream, for anything that is not a page at all
    cursor_query_param = "cursor"
    page_query_param = "page"

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        keyset: Keyset = view.keyset
        number = request.query_params.get(self.page_query_param, "")
        cursor = request.query_params.get(self.cursor_query_param, "")
        if number not in ("", "1", "last"):
            if number.isascii() and number.isdigit():
                raise NotFound("Invalid page: past the first, this list's pages are reached by its next links.")
            raise NotFound(self.invalid_page_message)
        try:
            if number == "last" and not cursor:
                self.page = keyset.last(queryset, self.page_size)
            else:
                self.page = keyset.page(queryset, cursor, self.page_size)
        except InvalidCursor as error:
            raise NotFound(str(error)) from None
        self.request = request
        return self.page.items

    def get_paginated_response(self, data: list) -> Response:
        links = {name: cursor_url(self.request, getattr(self.page, name)) for name in ("next", "previous")}
        return Response({**links, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where a page starts: copied from a next or previous link, never written by hand.",
                "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH, "pattern": "^[A-Za-z0-9_-]*$"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": "1 (or empty) for the first page, last for the far end; other pages by cursor.",
                "schema": {"anyOf": [{"type": "integer", "enum": [1]}, {"type": "string", "enum": ["last"]}]},
            },
        ]


def cursor_url(request: Request, cursor: str | None) -> str | None:
    """This request's absolute URL at another cursor (``page`` dropped: the cursor says where), or None."""
    if cursor is None:
        return None
    url = remove_query_param(request.build_absolute_uri(), "page")
    return replace_query_param(url, "cursor", cursor)
