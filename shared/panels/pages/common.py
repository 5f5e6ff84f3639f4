"""What every page needs: the panels the reader may see and the site's 400 page."""

import re

from accounts import policy
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from panels.models import Gene

HGNC_ID = re.compile(r"HGNC:[0-9]{1,9}", re.IGNORECASE)


def readable_panels(request: HttpRequest, *, retired: bool = True) -> QuerySet:
    """Panels this reader may open: public, promoted and (by default) retired; curators also internal ones."""
    return policy.visible_panels(request.user, retired=retired)


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 in the site's look that says what was wrong."""
    return render(request, "400.html", {"message": message}, status=400)


def clean_text(request: HttpRequest, name: str, max_length: int = 200) -> str:
    """A GET parameter as search text: stripped, at most ``max_length`` characters, no NUL (PostgreSQL refuses it)."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def gene_search_text(text: str) -> str:
    """Search text with an HGNC id (``HGNC:583``) read as its gene's current symbol: symbols change, ids do not.

    An id no gene has is searched as it is (and finds nothing).
    """
    if not HGNC_ID.fullmatch(text):
        return text
    symbol = Gene.objects.filter(hgnc_id__iexact=text).values_list("hgnc_symbol", flat=True).first()
    return symbol or text
