"""What every page needs: the panels the reader may see and the site's 400 page."""

from accounts import policy
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def readable_panels(request: HttpRequest, *, retired: bool = True) -> QuerySet:
    """Panels this reader may open: public, promoted and (by default) retired; curators also internal ones."""
    return policy.visible_panels(request.user, retired=retired)


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 in the site's look that says what was wrong."""
    return render(request, "400.html", {"message": message}, status=400)


def clean_text(request: HttpRequest, name: str, max_length: int = 200) -> str:
    """A GET parameter as search text: stripped, at most ``max_length`` characters, no NUL (PostgreSQL refuses it)."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]
