"""A URLconf for web-function tests: the real site plus two probes.

``echo/`` shows what Django received (query lists, cookies, the URLs it
builds) and ``boom/`` raises, to prove no traceback ever reaches a user.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from panelapp.urls import urlpatterns as site_patterns


def echo(request: HttpRequest, rest: str = "") -> JsonResponse:
    response = JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "query": {key: request.GET.getlist(key) for key in request.GET},
            "cookies": request.COOKIES,
            "absolute_url": request.build_absolute_uri(reverse("echo")),
            "is_secure": request.is_secure(),
            "body": request.body.decode(),
        }
    )
    response.set_cookie("first", "1", secure=True, httponly=True)
    response.set_cookie("second", "2", secure=True, samesite="Lax")
    return response


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns = [path("echo/", echo, name="echo"), path("echo/<path:rest>", echo), path("boom/", boom), *site_patterns]
