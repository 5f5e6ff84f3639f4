"""API v1's pages: upstream's (DRF's page numbers, 100 a page), the ``page`` parameter held to its schema.

DRF reads ``page`` with ``int()``, so ``+2``, `` 2`` and ``2_0`` would be
pages too, which no schema can declare. Here a page is what the schema says:
a whole number (past the last page or below 1 is a 404, ``Invalid page.``,
as upstream), ``last``, or empty for the first page, which upstream serves
and the schema declares with ``allowEmptyValue``. Anything else is the same
404 upstream gives for ``page=abc``.
"""

from typing import Any

from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


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
