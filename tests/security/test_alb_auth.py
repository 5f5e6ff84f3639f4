"""Cognito through the ALB: a forged ``x-amzn-oidc-data`` never signs anyone in; a genuine one does, once.

The ELB public-key endpoint is a local HTTP server serving PEM keys by kid,
as the regional endpoint does.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from accounts.models import Reviewer
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.auth import get_user_model
from serverless import alb_auth

from tests.conftest import load_event

pytestmark = pytest.mark.django_db

ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:loadbalancer/app/panelapp/50dc6c495c0c9188"
OTHER_ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-2:210987654321:loadbalancer/app/evil/0123456789abcdef"
CLIENT_ID = "4b1example0client0id"
POOL_ID = "eu-west-2_AbCdEfGhI"
ISSUER = f"https://cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"
KID = "4a7b8c3d-1111-4e5f-9abc-0123456789ab"
SUB = "7f0c1b2a-3d4e-4f50-8a9b-c0d1e2f3a4b5"

TRUSTED_KEY = ec.generate_private_key(ec.SECP256R1())
ATTACKER_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(key) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


class KeyServer(BaseHTTPRequestHandler):
    keys = {KID: pem(TRUSTED_KEY)}
    requests: list[str] = []

    def do_GET(self):
        KeyServer.requests.append(self.path)
        body = self.keys.get(self.path.lstrip("/"))
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def key_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeyServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def cognito(settings, key_server):
    settings.AWS_USE_COGNITO = True
    settings.AWS_ELB_PUBLIC_KEY_ENDPOINT = key_server
    settings.AWS_ELB_ARN = ALB_ARN
    settings.AWS_COGNITO_USER_POOL_ID = POOL_ID
    settings.AWS_COGNITO_USER_POOL_CLIENT_ID = CLIENT_ID
    settings.AWS_COGNITO_HOSTED_AUTH_BASE = "https://panelapp-test.auth.eu-west-2.amazoncognito.com"
    settings.AWS_COGNITO_IDP_LOGOUT_ENDPOINT = "/logout"
    settings.AWS_ELB_SESSION_COOKIE_PREFIX = "AWSELBAuthSessionCookie"
    settings.AWS_JWT_SECTIONS = 3
    settings.AWS_AMZN_OIDC_DATA = "HTTP_X_AMZN_OIDC_DATA"
    settings.AWS_REGION = "eu-west-2"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "serverless.alb_auth.CognitoBackend"]
    auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(auth + 1, "serverless.alb_auth.CognitoMiddleware")
    settings.MIDDLEWARE = middleware
    alb_auth._public_keys.clear()
    KeyServer.requests.clear()


def b64(data: bytes) -> str:
    # The ALB pads its segments; the verifier must accept that (and unpadded ones).
    return base64.urlsafe_b64encode(data).decode()


def segment(value: dict) -> str:
    return b64(json.dumps(value).encode())


def es256(key, signing_input: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(SHA256())))
    return r.to_bytes(32) + s.to_bytes(32)


def token(*, key=TRUSTED_KEY, header=None, claims=None, **changes) -> str:
    """A token as the ALB builds it; ``changes`` override header fields (None removes one)."""
    expiry = int(time.time()) + 120
    header = header or {
        "alg": "ES256",
        "kid": KID,
        "signer": ALB_ARN,
        "iss": ISSUER,
        "client": CLIENT_ID,
        "exp": expiry,
    }
    header = {name: value for name, value in {**header, **changes}.items() if value is not None}
    claims = claims or {"sub": SUB, "email": "ada@example.org", "given_name": "Ada", "family_name": "L", "exp": expiry}
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64(es256(key, signing_input.encode()))}"


def visit(client, oidc_data: str | None = None, path: str = "/"):
    headers = {"HTTP_X_AMZN_OIDC_DATA": oidc_data} if oidc_data is not None else {}
    return client.get(path, **headers)


def assert_anonymous(response):
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not get_user_model().objects.exists()


def hs256_with_the_public_key() -> str:
    header = segment({"alg": "HS256", "kid": KID, "signer": ALB_ARN, "iss": ISSUER, "client": CLIENT_ID, "exp": 2e9})
    signing_input = f"{header}.{segment({'sub': SUB, 'exp': 2e9})}"
    return f"{signing_input}.{b64(hmac.new(pem(TRUSTED_KEY), signing_input.encode(), hashlib.sha256).digest())}"


def alg_none() -> str:
    header = segment({"alg": "none", "kid": KID, "signer": ALB_ARN, "iss": ISSUER, "client": CLIENT_ID, "exp": 2e9})
    return f"{header}.{segment({'sub': SUB, 'exp': 2e9})}."


def tampered_claims() -> str:
    head, _, signature = token().split(".")
    return f"{head}.{segment({'sub': 'someone-else', 'exp': 2e9})}.{signature}"


FORGERIES = {
    "malformed: not a JWT": lambda: "not-a-token",
    "malformed: two sections": lambda: "a.b",
    "malformed: garbage sections": lambda: "!!!.???.***",
    "malformed: header not JSON": lambda: f"{b64(b'nope')}.{segment({'sub': SUB})}.{b64(bytes(64))}",
    "alg none": alg_none,
    "HS256 signed with the public key": hs256_with_the_public_key,
    "valid signature from another key": lambda: token(key=ATTACKER_KEY),
    "another signer ARN": lambda: token(signer=OTHER_ALB_ARN),
    "expired": lambda: token(exp=int(time.time()) - 1),
    "expired claims": lambda: token(claims={"sub": SUB, "exp": int(time.time()) - 1}),
    "wrong client": lambda: token(client="someone-elses-client"),
    "wrong issuer": lambda: token(iss="https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other"),
    "no expiry": lambda: token(exp=None),
    "no signer": lambda: token(signer=None),
    "claims changed after signing": tampered_claims,
    "kid unknown to the key endpoint": lambda: token(kid="00000000-0000-0000-0000-000000000000"),
    "kid that is a path": lambda: token(kid="../../evil.example/key"),
    "truncated signature": lambda: token()[:-10],
}


def test_no_header_leaves_the_user_anonymous(client):
    assert_anonymous(visit(client))


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_or_unusable_token_leaves_the_user_anonymous(client, forge):
    assert_anonymous(visit(client, forge()))


def test_a_path_shaped_kid_never_reaches_the_key_endpoint(client):
    visit(client, token(kid="../../evil.example/key"))

    assert KeyServer.requests == []


def test_an_unreachable_key_endpoint_leaves_the_user_anonymous(client, settings):
    settings.AWS_ELB_PUBLIC_KEY_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens

    assert_anonymous(visit(client, token()))


def test_a_genuine_token_signs_in_and_provisions_an_external_reviewer_once(client):
    first = visit(client, token())
    second = visit(client, token())

    user = get_user_model().objects.get()
    assert first.wsgi_request.user == second.wsgi_request.user == user
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.username, user.email, user.first_name) == (f"cognito-{SUB}", "ada@example.org", "Ada")
    assert not user.has_usable_password()
    assert Reviewer.objects.get().role == Reviewer.Role.EXTERNAL and Reviewer.objects.get().user == user


def test_the_session_keeps_the_user_signed_in_on_pages_the_alb_does_not_guard(client):
    visit(client, token())

    assert visit(client).wsgi_request.user.username == f"cognito-{SUB}"


def test_the_public_key_is_fetched_once_per_warm_environment(client):
    visit(client, token())
    client.logout()
    visit(client, token())

    assert KeyServer.requests == [f"/{KID}"]


def test_a_cognito_identity_never_takes_over_a_password_account(client):
    get_user_model().objects.create_user(f"cognito-{SUB}", password="a local password")

    response = visit(client, token())

    assert not response.wsgi_request.user.is_authenticated


def test_signing_in_on_the_sign_in_page_goes_on_to_next(client):
    response = visit(client, token(), "/accounts/login/?next=/panels/")

    assert response.status_code == 302 and response["Location"] == "/panels/"


def test_next_may_not_lead_off_the_site(client):
    response = visit(client, token(), "/accounts/login/?next=https://evil.example/")

    assert response["Location"] == "/"


def test_sign_out_ends_the_django_alb_and_cognito_sessions(client, rf):
    visit(client, token())
    request = client.get("/").wsgi_request

    response = alb_auth.sign_out(request)

    assert not request.user.is_authenticated
    assert response.status_code == 302
    assert response["Location"] == (
        "https://panelapp-test.auth.eu-west-2.amazoncognito.com/logout"
        f"?client_id={CLIENT_ID}&logout_uri=http%3A%2F%2Flocalhost%3A8000%2F"
    )
    for number in range(4):
        cookie = response.cookies[f"AWSELBAuthSessionCookie-{number}"]
        assert cookie.value == "" and cookie["max-age"] == 0 and cookie["path"] == "/"


def test_the_sign_out_button_signs_out_of_cognito_too(client):
    visit(client, token())

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"].startswith("https://panelapp-test.auth.eu-west-2.amazoncognito.com/logout?")
    assert response.cookies["AWSELBAuthSessionCookie-0"].value == ""
    assert "_auth_user_id" not in client.session


def test_the_settings_wire_cognito_only_when_it_is_on(load_settings):
    off = load_settings()
    on = load_settings(
        AWS_USE_COGNITO="True",
        AWS_COGNITO_DOMAIN_PREFIX="panelapp-test",
        AWS_COGNITO_USER_POOL_CLIENT_ID=CLIENT_ID,
        AWS_COGNITO_USER_POOL_ID=POOL_ID,
        AWS_ELB_ARN=ALB_ARN,
    )

    assert "serverless.alb_auth.CognitoMiddleware" not in off["MIDDLEWARE"]
    auth = on["MIDDLEWARE"].index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert on["MIDDLEWARE"][auth + 1] == "serverless.alb_auth.CognitoMiddleware"
    assert "serverless.alb_auth.CognitoBackend" in on["AUTHENTICATION_BACKENDS"]
    assert on["AWS_ELB_PUBLIC_KEY_ENDPOINT"] == "https://public-keys.auth.elb.eu-west-2.amazonaws.com"
    assert on["SECURE_CSP"]["form-action"][-1] == "https://panelapp-test.auth.eu-west-2.amazoncognito.com"
    assert off["SECURE_CSP"]["form-action"] == ["'self'"]


def test_deployed_cognito_needs_the_alb_arn_and_the_user_pool(load_settings):
    with pytest.raises(Exception, match="AWS_ELB_ARN") as error:
        load_settings(
            AWS_LAMBDA_FUNCTION_NAME="web",
            AWS_USE_COGNITO="True",
            AWS_COGNITO_DOMAIN_PREFIX="p",
            AWS_COGNITO_USER_POOL_CLIENT_ID="c",
            SECRET_KEY="x" * 50,
        )
    assert "AWS_COGNITO_USER_POOL_ID" in str(error.value)


def test_an_algorithm_other_than_es256_is_refused_at_start_up(load_settings):
    with pytest.raises(Exception, match="AWS_JWT_SIGNATURE_ALGORITHM must be ES256"):
        load_settings(AWS_USE_COGNITO="True", AWS_JWT_SIGNATURE_ALGORITHM="HS256")


@pytest.fixture
def cognito_web_handler():
    """The web function's handler around a WSGI application built now, with Cognito's middleware.

    The function's own application is built once per process with the
    middleware of that moment; it must not keep Cognito's for other tests.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from serverless.web import make_handler

    return make_handler(WSGIHandler())


@pytest.mark.django_db(transaction=True)
def test_through_the_web_handler_an_alb_event_with_a_genuine_token_gets_a_session(cognito_web_handler, lambda_context):
    event = load_event("alb_get_multivalue.json")
    event["path"] = "/accounts/login/"
    event["multiValueQueryStringParameters"] = {"next": ["/panels/"]}
    event["multiValueHeaders"]["x-amzn-oidc-data"] = [token()]

    response = cognito_web_handler(event, lambda_context)

    assert response["statusCode"] == 302
    assert response["multiValueHeaders"]["Location"] == ["/panels/"]
    assert any(cookie.startswith("sessionid=") for cookie in response["multiValueHeaders"]["Set-Cookie"])
    assert get_user_model().objects.get().username == f"cognito-{SUB}"
