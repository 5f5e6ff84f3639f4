"""Cognito sign-in through the ALB: ``x-amzn-oidc-data`` is trusted only once verified.

With ``AWS_USE_COGNITO`` the ALB runs Cognito's hosted sign-in on the sign-in
paths and forwards the user's claims as a JWT in ``x-amzn-oidc-data``. On every
other path (and from anyone who reaches the ALB) that header can be forged, so
``verify`` checks everything before a claim is believed:

- the algorithm is ES256 (``alg: none``, HS256 and the rest are refused before
  any key is touched);
- the ECDSA P-256 signature, against the key the regional ELB endpoint serves
  for the token's ``kid`` (fetched once per warm environment, short timeout);
- ``signer`` is this stack's ALB (every ALB in the region signs with the same
  keys), ``client`` is our user-pool client, ``iss`` is our user pool, and
  ``exp`` is in the future.

``CognitoMiddleware`` then signs the user in with a Django session (provisioned
on first sight as an external reviewer by ``CognitoBackend``), and ``sign_out``
ends the Django session, the ALB's and Cognito's.
"""

import base64
import binascii
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, SECP256R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger(__name__)

ALGORITHM = "ES256"
KEY_FETCH_TIMEOUT_SECONDS = 3
# The ELB key ids are UUIDs; anything else never reaches the key endpoint's URL.
_KID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# Public keys by kid, for the life of this (warm) Lambda environment.
_public_keys: dict[str, EllipticCurvePublicKey] = {}
# Cognito's user name is the Django user name behind this prefix, so no Cognito
# user can ever land on a local account (and local accounts are never matched).
USERNAME_PREFIX = "cognito-"


class InvalidToken(Exception):
    """The header is not a token this stack's ALB signed for our user pool, now."""


def _b64decode(segment: str) -> bytes:
    # The ALB pads its base64url segments with "="; standard JWTs do not.
    segment = segment.rstrip("=")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidToken("a segment is not base64url") from error


def _json_segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidToken("a segment is not JSON") from error
    if not isinstance(value, dict):
        raise InvalidToken("a segment is not a JSON object")
    return value


def public_key(kid: str) -> EllipticCurvePublicKey:
    """The ELB's public key ``kid`` (PEM from ``AWS_ELB_PUBLIC_KEY_ENDPOINT/<kid>``), cached."""
    if kid in _public_keys:
        return _public_keys[kid]
    url = f"{settings.AWS_ELB_PUBLIC_KEY_ENDPOINT.rstrip('/')}/{kid}"
    try:
        with urllib.request.urlopen(url, timeout=KEY_FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (a setting, not input)
            pem = response.read(16_384)
        key = load_pem_public_key(pem)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise InvalidToken(f"no public key {kid!r} from the key endpoint: {error}") from error
    if not isinstance(key, EllipticCurvePublicKey) or not isinstance(key.curve, SECP256R1):
        raise InvalidToken(f"public key {kid!r} is not an ECDSA P-256 key")
    _public_keys[kid] = key
    return key


def expected_issuer() -> str:
    return f"https://cognito-idp.{settings.AWS_REGION}.amazonaws.com/{settings.AWS_COGNITO_USER_POOL_ID}"


def verify(token: str) -> dict[str, Any]:
    """The claims of a genuine, current ``x-amzn-oidc-data`` token; ``InvalidToken`` otherwise."""
    parts = token.split(".")
    if len(parts) != settings.AWS_JWT_SECTIONS:
        raise InvalidToken(f"{len(parts)} sections instead of {settings.AWS_JWT_SECTIONS}")
    header = _json_segment(parts[0])
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not _KID.match(kid):
        raise InvalidToken("missing or malformed kid")
    signature = _b64decode(parts[2])
    if len(signature) != 64:
        raise InvalidToken("an ES256 signature is 64 bytes")
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    try:
        public_key(kid).verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ECDSA(SHA256()))
    except (InvalidSignature, UnicodeEncodeError) as error:
        raise InvalidToken("bad signature") from error
    claims = _json_segment(parts[1])
    if header.get("signer") != settings.AWS_ELB_ARN:
        raise InvalidToken(f"signed by another load balancer: {header.get('signer')!r}")
    if header.get("client") != settings.AWS_COGNITO_USER_POOL_CLIENT_ID:
        raise InvalidToken(f"issued to another client: {header.get('client')!r}")
    if header.get("iss") != expected_issuer():
        raise InvalidToken(f"issued by another user pool: {header.get('iss')!r}")
    for expiry in (header.get("exp"), claims.get("exp", header.get("exp"))):
        if not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry <= time.time():
            raise InvalidToken("expired or without an expiry")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("no subject")
    return claims


class CognitoBackend(ModelBackend):
    """Users from verified Cognito claims, created on first sight with the external role."""

    def authenticate(self, request, alb_claims: dict[str, Any] | None = None, **kwargs):
        if alb_claims is None:
            return None
        from accounts.models import Reviewer

        user_model = get_user_model()
        with transaction.atomic():
            user, created = user_model._default_manager.get_or_create(
                username=f"{USERNAME_PREFIX}{alb_claims['sub']}"[:150],
                defaults={
                    "email": str(alb_claims.get("email", ""))[:254],
                    "first_name": str(alb_claims.get("given_name", ""))[:150],
                    "last_name": str(alb_claims.get("family_name", ""))[:150],
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                log.info("provisioned user %s from Cognito", user.pk)
            elif user.has_usable_password():
                log.warning("Cognito identity %s matches a password account; not signed in", user.pk)
                return None
            Reviewer.objects.get_or_create(user=user, defaults={"role": Reviewer.Role.EXTERNAL})
        return user if self.user_can_authenticate(user) else None


class CognitoMiddleware:
    """Signs in the user of a verified ``x-amzn-oidc-data`` header; a forged one changes nothing.

    After a sign-in on the sign-in page itself (the path the ALB protects),
    the user goes on to ``next`` or ``LOGIN_REDIRECT_URL``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request.META.get(settings.AWS_AMZN_OIDC_DATA)
        if token and self.sign_in(request, token) and request.path_info == resolve_url(settings.LOGIN_URL):
            return HttpResponseRedirect(next_url(request))
        return self.get_response(request)

    @staticmethod
    def sign_in(request: HttpRequest, token: str) -> bool:
        try:
            claims = verify(token)
        except InvalidToken as error:
            log.warning("x-amzn-oidc-data refused: %s", error)
            return False
        user = authenticate(request, alb_claims=claims)
        if user is None:
            return False
        if not (request.user.is_authenticated and request.user.pk == user.pk):
            login(request, user)
        return True


def next_url(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sign_out(request: HttpRequest) -> HttpResponseRedirect:
    """End the Django session, the ALB's session and Cognito's, then come back to the home page.

    The ALB keeps its own session in up to four cookies
    (``AWS_ELB_SESSION_COOKIE_PREFIX-0`` .. ``-3``): unless they are cleared it
    would sign the user straight back in. Cognito's logout endpoint ends the
    hosted UI's session and returns to ``logout_uri`` (one of the client's
    sign-out URLs, set by the template).
    """
    logout(request)
    query = urlencode(
        {"client_id": settings.AWS_COGNITO_USER_POOL_CLIENT_ID, "logout_uri": f"{settings.PANEL_APP_BASE_URL}/"}
    )
    response = HttpResponseRedirect(
        f"{settings.AWS_COGNITO_HOSTED_AUTH_BASE}{settings.AWS_COGNITO_IDP_LOGOUT_ENDPOINT}?{query}"
    )
    for number in range(4):
        response.delete_cookie(f"{settings.AWS_ELB_SESSION_COOKIE_PREFIX}-{number}", path="/")
    return response
