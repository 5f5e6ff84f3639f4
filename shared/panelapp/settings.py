"""The one settings module of PanelApp, for every environment.

Every environment-specific value is an environment variable (names from the
PanelApp production docs). On Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set) the
mandatory ones must be present and start-up fails with one message naming all
that are missing; anywhere else the module falls back to embedded defaults
(SQLite, local files, tasks in-process) so a new checkout runs at once.
Secrets arrive by reference (Secrets Manager ARNs) and are resolved first.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from serverless.env import Env
from serverless.ratelimit import Rate
from serverless.secrets import load_secrets

SHARED_DIR = Path(__file__).resolve().parent.parent
# Local runs keep their SQLite file, uploads and collected static files here.
LOCAL_DIR = SHARED_DIR.parent / "var"

load_secrets()
env = Env(strict=Env().str("AWS_LAMBDA_FUNCTION_NAME") != "")
DEPLOYED = env.strict
# Secrets are read at init, again after each SnapStart restore, and again by a
# warm environment once this old (0: never), so a rotated value reaches every
# environment within this time (serverless.secrets; one HTTPS call per period).
SECRETS_MAX_AGE_SECONDS = env.int("SECRETS_MAX_AGE_SECONDS", 3600)

# --- Core ---------------------------------------------------------------------

SECRET_KEY = env.str("SECRET_KEY", "local-only-key-never-used-when-deployed-0123456789abcdefghijkl", required=True)
DEBUG = env.bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"], required=True)
PANEL_APP_BASE_URL = env.str("PANEL_APP_BASE_URL", "http://localhost:8000", required=True).rstrip("/")
DJANGO_ADMIN_URL = env.str("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
HEALTH_CHECK_TOKEN = env.str("HEALTH_CHECK_TOKEN", "", required=True)
# Flipped by operators to make /health_check/ report maintenance (and the ALB drain).
MAINTENANCE_MODE = env.bool("MAINTENANCE_MODE", False)

# PanelApp's own apps, apart: an init ahead of any request (SnapStart) compiles their
# templates, not the admin's or DRF's (serverless.preload).
# content: the home page's tabs, images and files, which curators edit (docs/home-content.md).
PANELAPP_APPS = ["serverless", "accounts", "panels", "api", "uploads", "notifications", "content"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files
    *PANELAPP_APPS,
]

MIDDLEWARE = [
    # First, so the load balancer's liveness probe needs no Host, session or database.
    "serverless.health.LivenessMiddleware",
    # Second: NUL characters refused (400) and an unreachable database answered 503, for every page.
    "serverless.middleware.EdgeMiddleware",
    # ALLOWED_HOSTS can only allow the region's *.execute-api hosts; this keeps
    # just the API that sent the event (serverless.hosts).
    "serverless.hosts.ApiGatewayHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "panelapp.urls"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
WSGI_APPLICATION = "panelapp.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's own validators; the manage function's createsuperuser applies them too.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SHARED_DIR / "panelapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-gb"
# UTC everywhere: the database runs in UTC too, so Django never sends
# SET TIME ZONE on connect (a SET would pin the RDS Proxy session).
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Database -----------------------------------------------------------------

RDS_CA_BUNDLE = SHARED_DIR / "serverless" / "rds-ca-bundle.pem"

env.require_one_of(("DATABASE_URL",), ("DATABASE_HOST", "DATABASE_USER", "DATABASE_PASSWORD"))
if env.str("DATABASE_URL"):
    _database = dj_database_url.parse(env.str("DATABASE_URL"))
elif env.str("DATABASE_HOST"):
    _database = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env.str("DATABASE_HOST"),
        "PORT": env.int("DATABASE_PORT", 5432),
        "NAME": env.str("DATABASE_NAME", "panelapp"),
        "USER": env.str("DATABASE_USER"),
        "PASSWORD": env.str("DATABASE_PASSWORD"),
    }
else:
    LOCAL_DIR.mkdir(exist_ok=True)
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": LOCAL_DIR / "db.sqlite3"}

if _database["ENGINE"] == "django.db.backends.postgresql":
    _database.update(
        # One connection per warm Lambda environment, checked before reuse.
        CONN_MAX_AGE=env.int("DATABASE_CONN_MAX_AGE", 600),
        CONN_HEALTH_CHECKS=True,
        # Named server-side cursors pin RDS Proxy sessions (and break under
        # transaction pooling); Django then fetches results client-side.
        DISABLE_SERVER_SIDE_CURSORS=True,
    )
    _options = _database.setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", 5))
    # On Lambda, TLS with the server's certificate checked against the CAs of RDS and RDS
    # Proxy (a file in the layer, .ci/rds-ca-bundle) and its name against the host's:
    # "require" alone would encrypt to whoever answers at that address.
    if _sslmode := env.str("DATABASE_SSLMODE", "verify-full" if DEPLOYED else ""):
        _options["sslmode"] = _sslmode
        if _sslmode in ("verify-ca", "verify-full"):
            _options.setdefault("sslrootcert", env.str("DATABASE_SSLROOTCERT", str(RDS_CA_BUNDLE)))
DATABASES = {"default": _database}

# --- Degrading when the database is unreachable (serverless.middleware) -------

# Seconds a client is told to wait (Retry-After) when a request gets a 503
# because the database could not be reached.
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", 30)

# --- Security (behind the ALB / API Gateway, which terminate TLS) -------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A first dev deploy without a certificate serves plain HTTP: the template
# then sets SECURE_SSL_REDIRECT=False. Everything else is HTTPS-only.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", DEPLOYED)
# Secure cookies follow the HTTPS redirect: a browser drops a Secure cookie set over
# plain HTTP, so on a certificate-less dev stack a Secure CSRF cookie would make every
# form post a 403 (docs/deploy.md, "Signing in on a dev stack"). Wherever HTTPS is
# enforced the cookies are Secure.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000 if DEPLOYED else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", DEPLOYED)
# The header alone enrols nothing; the domain owner still submits it to the list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", DEPLOYED)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
_base = urlsplit(PANEL_APP_BASE_URL)
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}", *env.list("CSRF_TRUSTED_ORIGINS")]

# --- AWS ----------------------------------------------------------------------

AWS_REGION = env.str("AWS_REGION", "eu-west-2", required=True)
# Set by the local stack and the tests to reach the embedded AWS emulation.
AWS_ENDPOINT_URL = env.str("AWS_ENDPOINT_URL") or None
USE_S3 = env.bool("USE_S3", DEPLOYED)
USE_SQS = env.bool("USE_SQS", DEPLOYED)

# --- Static and media files ---------------------------------------------------
# Static files: hashed names in their own bucket behind CloudFront. Media: a
# private bucket, every link handed out presigned and expiring (the classes in
# serverless.storage hold those rules). No credentials here: boto3 takes the
# Lambda role; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment remain
# the seeds' fallback for an operator's machine.

AWS_STATICFILES_LOCATION = env.str("AWS_STATICFILES_LOCATION", "static").strip("/")
AWS_MEDIAFILES_LOCATION = env.str("AWS_MEDIAFILES_LOCATION", "media").strip("/")
# Site-wide static files (the apps' own are found in their static/ folders).
STATICFILES_DIRS = [SHARED_DIR / "panelapp" / "static"]
# The manifest of hashed static names, shipped in the build (python -m
# serverless.storage.manifest): pages then name static files without asking S3.
STATIC_MANIFEST_FILE = Path(env.str("STATIC_MANIFEST_FILE", str(SHARED_DIR / "staticfiles.json")))
# How long a link to a media file works.
MEDIA_URL_EXPIRY_SECONDS = env.int("MEDIA_URL_EXPIRY_SECONDS", 3600)
# Direct browser uploads (the uploads app): bodies through the ALB stop at 1 MB.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
UPLOAD_FORM_EXPIRY_SECONDS = env.int("UPLOAD_FORM_EXPIRY_SECONDS", 600)
# Per user, so one account cannot fill the bucket: forms not yet confirmed at
# once, and bytes started in any 24 hours (uploads.views answers 429 past them).
UPLOAD_MAX_OPEN_PER_USER = env.int("UPLOAD_MAX_OPEN_PER_USER", 10)
UPLOAD_MAX_BYTES_PER_USER_PER_DAY = env.int("UPLOAD_MAX_BYTES_PER_USER_PER_DAY", 1024 * 1024 * 1024)
UPLOAD_CONTENT_TYPES = env.list(
    "UPLOAD_CONTENT_TYPES",
    [
        "text/tab-separated-values",
        "text/csv",
        "text/plain",
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)


def _url_prefix(location: str) -> str:
    return f"{location}/" if location else ""


def _bare_host(value: str) -> str:
    # A scheme or slash pasted into a domain variable would double up in every URL.
    return value.removeprefix("https://").removeprefix("http://").strip("/")


if USE_S3:
    AWS_S3_STATICFILES_BUCKET_NAME = env.str("AWS_S3_STATICFILES_BUCKET_NAME", required=True)
    AWS_S3_MEDIAFILES_BUCKET_NAME = env.str("AWS_S3_MEDIAFILES_BUCKET_NAME", required=True)
    # Mandatory on Lambda; the local stack leaves it empty and gets the
    # emulator's path-style URLs instead.
    AWS_S3_STATICFILES_CUSTOM_DOMAIN = _bare_host(env.str("AWS_S3_STATICFILES_CUSTOM_DOMAIN", required=True))
    AWS_S3_MEDIAFILES_CUSTOM_DOMAIN = _bare_host(env.str("AWS_S3_MEDIAFILES_CUSTOM_DOMAIN"))
    # Media through CloudFront only with signed URLs: a plain distribution would
    # make every media file public. The private key (PEM) arrives in APP_SECRET_ARN.
    _cloudfront_key_id = env.str("AWS_CLOUDFRONT_KEY_ID")
    _cloudfront_key = env.str("AWS_CLOUDFRONT_KEY")
    if AWS_S3_MEDIAFILES_CUSTOM_DOMAIN and not (_cloudfront_key_id and _cloudfront_key):
        env.invalid.append(
            "AWS_S3_MEDIAFILES_CUSTOM_DOMAIN needs AWS_CLOUDFRONT_KEY_ID and AWS_CLOUDFRONT_KEY"
            " (CloudFront signed URLs): media files are private"
        )
    if AWS_S3_STATICFILES_CUSTOM_DOMAIN:
        _static_protocol, _static_host = "https:", AWS_S3_STATICFILES_CUSTOM_DOMAIN
    elif AWS_ENDPOINT_URL:
        _endpoint = urlsplit(AWS_ENDPOINT_URL)
        _static_protocol, _static_host = f"{_endpoint.scheme}:", f"{_endpoint.netloc}/{AWS_S3_STATICFILES_BUCKET_NAME}"
    else:
        _static_protocol = "https:"
        _static_host = f"{AWS_S3_STATICFILES_BUCKET_NAME}.s3.{AWS_REGION}.amazonaws.com"
    # The storages add the bounded timeouts and retries of every boto3 client
    # (serverless.clients) themselves, when first used: botocore is not imported here.
    _s3 = {"region_name": AWS_REGION, "endpoint_url": AWS_ENDPOINT_URL}
    STORAGES = {
        "default": {
            "BACKEND": "serverless.storage.s3.MediaStorage",
            "OPTIONS": {
                **_s3,
                "bucket_name": AWS_S3_MEDIAFILES_BUCKET_NAME,
                "location": AWS_MEDIAFILES_LOCATION,
                "querystring_expire": MEDIA_URL_EXPIRY_SECONDS,
                "custom_domain": AWS_S3_MEDIAFILES_CUSTOM_DOMAIN or None,
                "cloudfront_key_id": _cloudfront_key_id or None,
                "cloudfront_key": _cloudfront_key.encode() if _cloudfront_key else None,
            },
        },
        "staticfiles": {
            "BACKEND": "serverless.storage.s3.StaticStorage",
            "OPTIONS": {
                **_s3,
                "bucket_name": AWS_S3_STATICFILES_BUCKET_NAME,
                "location": AWS_STATICFILES_LOCATION,
                "custom_domain": _static_host,
                "url_protocol": _static_protocol,
            },
        },
    }
    STATIC_URL = f"{_static_protocol}//{_static_host}/{_url_prefix(AWS_STATICFILES_LOCATION)}"
    MEDIA_URL = f"/{_url_prefix(AWS_MEDIAFILES_LOCATION)}"
else:
    STATIC_ROOT = Path(env.str("STATIC_ROOT", "/static" if DEPLOYED else str(LOCAL_DIR / "static")))
    MEDIA_ROOT = Path(env.str("MEDIA_ROOT", "/media" if DEPLOYED else str(LOCAL_DIR / "media")))
    # Served by the application itself (panelapp.urls); media only through
    # signed, expiring links, as on S3.
    STATIC_URL = f"/{_url_prefix(AWS_STATICFILES_LOCATION or 'static')}"
    MEDIA_URL = f"/{_url_prefix(AWS_MEDIAFILES_LOCATION or 'media')}"
    STORAGES = {
        "default": {
            "BACKEND": "serverless.storage.local.LocalMediaStorage",
            "OPTIONS": {"querystring_expire": MEDIA_URL_EXPIRY_SECONDS},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# --- Background tasks ---------------------------------------------------------

# django.tasks on SQS (serverless.tasks, docs/tasks.md); without SQS, tasks run
# in a background thread of the process that enqueued them.
TASK_QUEUE_NAME = env.str("TASK_QUEUE_NAME", "panelapp")
# Without it the queue is found by name (GetQueueUrl) on first use.
TASK_QUEUE_URL = env.str("TASK_QUEUE_URL")
# Read only by the task_dlq management command.
TASK_DLQ_URL = env.str("TASK_DLQ_URL")
# Must equal the queue's VisibilityTimeout; the worker says so at start-up if not.
SQS_QUEUE_VISIBILITY_TIMEOUT = env.int("SQS_QUEUE_VISIBILITY_TIMEOUT", 360)
TASK_MAX_MESSAGE_BYTES = env.int("TASK_MAX_MESSAGE_BYTES", 256 * 1024)
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", 30)
TASKS = {
    "default": {
        "BACKEND": "serverless.tasks.backends.SQSBackend" if USE_SQS else "serverless.tasks.backends.ThreadBackend",
        "QUEUES": ["default"],
        "OPTIONS": {"QUEUE_URLS": {"default": TASK_QUEUE_URL}, "MAX_MESSAGE_BYTES": TASK_MAX_MESSAGE_BYTES},
    }
}
# Only tasks found in these modules (besides each app's tasks module) may run.
TASK_MODULES = ["serverless.tasks.maintenance", "serverless.tasks.mail"]
# Names the EventBridge schedules send as {"periodic_task": "<name>"}.
PERIODIC_TASKS = {
    "prune_task_results": "serverless.tasks.maintenance.prune_task_results",
    "clear_sessions": "serverless.tasks.maintenance.clear_sessions",
    "discard_abandoned_uploads": "uploads.tasks.discard_abandoned_uploads",
}

# --- Panel exports (panels.exports) ------------------------------------------
# Each panel change queues one coalesced rebuild of the all-panels / genes /
# STRs / regions files on the worker; FALSE: built only when one is asked for
# and missing (the tests' default, so only the tests of exports queue builds).
PANEL_EXPORTS_REBUILD_ON_CHANGE = env.bool("PANEL_EXPORTS_REBUILD_ON_CHANGE", True)

# --- Bulk imports (panels.imports, docs/imports.md) -----------------------------
# Panel, review and gene files through S3 and the worker. An app of its own for
# its models, pages and tasks; its tasks module is also listed so the worker
# declares the import tasks explicitly.
PANELAPP_APPS += ["panels.imports"]
INSTALLED_APPS += ["panels.imports"]
TASK_MODULES += ["panels.imports.tasks"]
# Watching panels (docs/api.md, "Feeds and watching"): Atom feeds and e-mail to watchers on promotion, an app
# of its own so the panels services only announce versions (panels.signals) and never call it.
PANELAPP_APPS += ["subscriptions"]
INSTALLED_APPS += ["subscriptions"]
# Genes per chunk task of a gene file: HGNC's ~45,000 rows become ~23 tasks,
# each a few seconds and well within the worker's timeout and memory.
IMPORT_GENE_CHUNK_ROWS = env.int("IMPORT_GENE_CHUNK_ROWS", 2000)

# --- E-mail -------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "panelapp@localhost", required=True)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PANEL_APP_EMAIL = env.str("PANEL_APP_EMAIL", "panelapp@localhost", required=True)
# Mail never leaves inside a request: the default mailer only enqueues the
# serverless.tasks.mail.send_email task, and the worker delivers through the
# "transport" mailer. Deployed, that is Amazon SES's API
# (serverless.tasks.ses.EmailBackend): the function's role signs each call, so
# mail works with no credentials to create, through the stack's SES endpoint.
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend switches to SMTP,
# configured by the seeds' EMAIL_* variables (no SMTP authentication when
# EMAIL_HOST_USER/EMAIL_HOST_PASSWORD are omitted); locally mail goes to the console.
_mail_backend = env.str(
    "EMAIL_BACKEND",
    "serverless.tasks.ses.EmailBackend" if DEPLOYED else "django.core.mail.backends.console.EmailBackend",
)
_uses_smtp = _mail_backend.endswith("smtp.EmailBackend")
_smtp = {
    "host": env.str("EMAIL_HOST", "localhost", required=_uses_smtp),
    "port": env.int("EMAIL_PORT", 25, required=_uses_smtp),
    "use_tls": env.bool("EMAIL_USE_TLS", DEPLOYED),
    "username": env.str("EMAIL_HOST_USER"),
    "password": env.str("EMAIL_HOST_PASSWORD"),
    "timeout": env.int("EMAIL_TIMEOUT", 10),
}
MAILERS = {
    "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
    "transport": {"BACKEND": _mail_backend, "OPTIONS": _smtp if _uses_smtp else {}},
}

# --- Cognito behind the ALB (optional) ----------------------------------------

AWS_USE_COGNITO = env.bool("AWS_USE_COGNITO", False)
if AWS_USE_COGNITO:
    AWS_COGNITO_DOMAIN_PREFIX = env.str("AWS_COGNITO_DOMAIN_PREFIX", required=True)
    AWS_COGNITO_USER_POOL_CLIENT_ID = env.str("AWS_COGNITO_USER_POOL_CLIENT_ID", required=True)
    AWS_COGNITO_HOSTED_AUTH_BASE = env.str(
        "AWS_COGNITO_HOSTED_AUTH_BASE", f"https://{AWS_COGNITO_DOMAIN_PREFIX}.auth.{AWS_REGION}.amazoncognito.com"
    )
    AWS_COGNITO_IDP_LOGOUT_ENDPOINT = env.str("AWS_COGNITO_IDP_LOGOUT_ENDPOINT", "/logout")
    AWS_ELB_SESSION_COOKIE_PREFIX = env.str("AWS_ELB_SESSION_COOKIE_PREFIX", "AWSELBAuthSessionCookie")
    AWS_ELB_PUBLIC_KEY_ENDPOINT = env.str(
        "AWS_ELB_PUBLIC_KEY_ENDPOINT", f"https://public-keys.auth.elb.{AWS_REGION}.amazonaws.com"
    )
    AWS_JWT_SECTIONS = env.int("AWS_JWT_SECTIONS", 3)
    AWS_JWT_SIGNATURE_ALGORITHM = env.str("AWS_JWT_SIGNATURE_ALGORITHM", "ES256")
    AWS_AMZN_OIDC_ACCESS_TOKEN = env.str("AWS_AMZN_OIDC_ACCESS_TOKEN", "HTTP_X_AMZN_OIDC_ACCESSTOKEN")
    AWS_AMZN_OIDC_IDENTITY = env.str("AWS_AMZN_OIDC_IDENTITY", "HTTP_X_AMZN_OIDC_IDENTITY")
    AWS_AMZN_OIDC_DATA = env.str("AWS_AMZN_OIDC_DATA", "HTTP_X_AMZN_OIDC_DATA")

# --- REST API -----------------------------------------------------------------

# The public API v1: read-only like upstream PanelApp's. Its authentication
# (token or session) is set in the accounts block below.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "api.v1.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PanelApp API",
    "DESCRIPTION": "Public, read-only API v1 of PanelApp: gene panels, their genes, STRs and regions, reviews, "
    "versions and activity. Paths, fields and types follow Genomics England PanelApp's API v1.",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from our static files (drf-spectacular-sidecar), never a CDN,
    # and asks no outside validator to check the schema.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The views' OpenAPI declarations live apart and load only with the schema (api.v1.openapi).
    # ... then the watched-panels endpoints' (subscriptions.openapi).
    "PREPROCESSING_HOOKS": ["api.v1.openapi.preprocessing_hook", "subscriptions.openapi.preprocessing_hook"],
}

# --- Accounts and API authentication (accounts app) ---------------------------

# How long the e-mail verification link sent at registration works.
ACCOUNT_VERIFICATION_MAX_AGE = env.int("ACCOUNT_VERIFICATION_MAX_AGE", 3 * 24 * 3600)
# API v1 reads stay anonymous; a token (``Authorization: Token <key>``, as
# upstream) or the site's session makes the API answer as that user, so a
# curator sees internal panels. Token first: a refused token answers 401 with
# ``WWW-Authenticate: Token``. Neither runs a query for an anonymous request
# (no header, no session cookie); a token costs one. The session needs CSRF
# only on writes.
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "accounts.authentication.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]

# --- Abuse limits and browser security ----------------------------------------
# Counts live in the database (serverless.ratelimit): a per-process cache would
# count nothing across Lambda environments. Rates read "<hits>/<period>", e.g.
# 5/15m, 120/minute, 1000/day. The edge adds its own limits (WAF on the ALB,
# throttling on the HTTP API; template parameters).

# Proxies in front of the app that append to X-Forwarded-For: the ALB alone is 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 1)
# Failed sign-ins before a lock, per account and per client address; it lifts when the period ends.
LOGIN_FAILURE_ACCOUNT_RATE = env.str("LOGIN_FAILURE_ACCOUNT_RATE", "5/15m")
LOGIN_FAILURE_ADDRESS_RATE = env.str("LOGIN_FAILURE_ADDRESS_RATE", "20/15m")
# API requests per client address (anonymous) and per user or token.
API_THROTTLE_ANON_RATE = env.str("API_THROTTLE_ANON_RATE", "120/minute")
API_THROTTLE_USER_RATE = env.str("API_THROTTLE_USER_RATE", "600/minute")
# Registrations per client address and upload starts per user (the ratelimit decorator).
REGISTRATION_RATE = env.str("REGISTRATION_RATE", "5/hour")
UPLOAD_START_RATE = env.str("UPLOAD_START_RATE", "30/hour")
for _rate_name in (
    "LOGIN_FAILURE_ACCOUNT_RATE",
    "LOGIN_FAILURE_ADDRESS_RATE",
    "API_THROTTLE_ANON_RATE",
    "API_THROTTLE_USER_RATE",
    "REGISTRATION_RATE",
    "UPLOAD_START_RATE",
):
    try:
        Rate.parse(globals()[_rate_name])
    except ValueError as error:
        env.invalid.append(f"{_rate_name}: {error}")

# The password backend refuses locked accounts and addresses (accounts.lockout).
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutModelBackend"]
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["api.throttling.SharedRateThrottle"]
MIDDLEWARE += [
    # The X-RateLimit-* headers of whatever a limiter counted.
    "serverless.ratelimit.RateLimitHeadersMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]
# Cognito through the ALB (serverless.alb_auth): x-amzn-oidc-data is believed
# only when this ALB signed it (ES256) for our user pool and client.
if AWS_USE_COGNITO:
    AWS_ELB_ARN = env.str("AWS_ELB_ARN", required=True)
    AWS_COGNITO_USER_POOL_ID = env.str("AWS_COGNITO_USER_POOL_ID", required=True)
    if AWS_JWT_SIGNATURE_ALGORITHM != "ES256":
        env.invalid.append(
            f"AWS_JWT_SIGNATURE_ALGORITHM must be ES256 (the ALB's), got {AWS_JWT_SIGNATURE_ALGORITHM!r}"
        )
    AUTHENTICATION_BACKENDS.append("serverless.alb_auth.CognitoBackend")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "serverless.alb_auth.CognitoMiddleware",
    )
# Our own origin only: no third-party CDN, no inline script or style, no plugins, no
# framing. The admin's few inline blocks carry the per-response nonce (added to the
# header only on pages that use it); 'unsafe-inline' is never allowed.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Templates get {{ csp_nonce }} and {% csp_nonce_attr %}.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")
if AWS_USE_COGNITO:
    # Signing out (a form POST) ends at Cognito's logout endpoint, and the ALB sends a
    # sign-in form's POST to Cognito's hosted UI; Chromium applies form-action to both redirects.
    SECURE_CSP["form-action"].append(AWS_COGNITO_HOSTED_AUTH_BASE)
if USE_S3:
    # Static files come from their CloudFront (or emulator) origin.
    for _directive in ("script-src", "style-src", "img-src", "font-src"):
        SECURE_CSP[_directive].append(f"{_static_protocol}//{_static_host.split('/')[0]}")
    # Pages upload files straight to the media bucket (serverless.uploads posts every form to
    # this URL), another origin than the site's: the one origin fetch() may reach besides ours.
    # The bucket's regional name, never the global s3.amazonaws.com, which answers a bucket
    # outside us-east-1 with a redirect for its first hours, and browsers refuse that for an upload.
    if AWS_ENDPOINT_URL:
        _endpoint = urlsplit(AWS_ENDPOINT_URL)
        _media_upload_origin = f"{_endpoint.scheme}://{_endpoint.netloc}"
        AWS_S3_MEDIAFILES_UPLOAD_URL = f"{_media_upload_origin}/{AWS_S3_MEDIAFILES_BUCKET_NAME}"
    else:
        _media_domain = _bare_host(
            env.str(
                "AWS_S3_MEDIAFILES_REGIONAL_DOMAIN", f"{AWS_S3_MEDIAFILES_BUCKET_NAME}.s3.{AWS_REGION}.amazonaws.com"
            )
        )
        _media_upload_origin = f"https://{_media_domain}"
        AWS_S3_MEDIAFILES_UPLOAD_URL = f"{_media_upload_origin}/"
    SECURE_CSP["connect-src"].append(_media_upload_origin)
    # Home page images (the content app) are redirects to expiring media links: img-src follows the redirect.
    # boto3 presigns on the bucket's global name, which may redirect to the regional one in a bucket's first hours.
    _media_image_origins = [_media_upload_origin]
    if AWS_S3_MEDIAFILES_CUSTOM_DOMAIN:
        _media_image_origins.append(f"https://{AWS_S3_MEDIAFILES_CUSTOM_DOMAIN}")
    elif not AWS_ENDPOINT_URL:
        _media_image_origins.append(f"https://{AWS_S3_MEDIAFILES_BUCKET_NAME}.s3.amazonaws.com")
    _after_data = SECURE_CSP["img-src"].index("data:") + 1
    SECURE_CSP["img-src"][_after_data:_after_data] = _media_image_origins

# --- Logging: JSON lines through Powertools, one formatter for every logger ----

DJANGO_LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"json": {"()": "serverless.logging.json_handler"}},
    "root": {"handlers": ["json"], "level": DJANGO_LOG_LEVEL},
    "loggers": {
        "django": {"level": DJANGO_LOG_LEVEL, "propagate": True},
        # Scanners probe the ALB with random Host headers all day; they get a
        # 400 and must not flood the logs with error tracebacks.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
    },
}

env.check()
