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
from serverless.env import Env
from serverless.secrets import load_secrets

SHARED_DIR = Path(__file__).resolve().parent.parent
# Local runs keep their SQLite file, uploads and collected static files here.
LOCAL_DIR = SHARED_DIR.parent / "var"

load_secrets()
env = Env(strict=Env().str("AWS_LAMBDA_FUNCTION_NAME") != "")
DEPLOYED = env.strict

# --- Core ---------------------------------------------------------------------

SECRET_KEY = env.str("SECRET_KEY", "local-only-key-never-used-when-deployed-0123456789abcdefghijkl", required=True)
DEBUG = env.bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"], required=True)
PANEL_APP_BASE_URL = env.str("PANEL_APP_BASE_URL", "http://localhost:8000", required=True).rstrip("/")
DJANGO_ADMIN_URL = env.str("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
HEALTH_CHECK_TOKEN = env.str("HEALTH_CHECK_TOKEN", "", required=True)
# Flipped by operators to make /health_check/ report maintenance (and the ALB drain).
MAINTENANCE_MODE = env.bool("MAINTENANCE_MODE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "serverless",
]

MIDDLEWARE = [
    # First, so the load balancer's liveness probe needs no Host, session or database.
    "serverless.health.LivenessMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "panelapp.urls"
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
    if env.str("DATABASE_SSLMODE", "require" if DEPLOYED else ""):
        _options["sslmode"] = env.str("DATABASE_SSLMODE", "require")
DATABASES = {"default": _database}

# --- Security (behind the ALB / API Gateway, which terminate TLS) -------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A first dev deploy without a certificate serves plain HTTP: the template
# then sets SECURE_SSL_REDIRECT=False. Everything else is HTTPS-only.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", DEPLOYED)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = DEPLOYED
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

AWS_STATICFILES_LOCATION = env.str("AWS_STATICFILES_LOCATION", "static").strip("/")
AWS_MEDIAFILES_LOCATION = env.str("AWS_MEDIAFILES_LOCATION", "media").strip("/")
if USE_S3:
    AWS_S3_STATICFILES_BUCKET_NAME = env.str("AWS_S3_STATICFILES_BUCKET_NAME", required=True)
    AWS_S3_MEDIAFILES_BUCKET_NAME = env.str("AWS_S3_MEDIAFILES_BUCKET_NAME", required=True)
    AWS_S3_STATICFILES_CUSTOM_DOMAIN = env.str("AWS_S3_STATICFILES_CUSTOM_DOMAIN", required=True).strip("/")
    AWS_S3_MEDIAFILES_CUSTOM_DOMAIN = env.str("AWS_S3_MEDIAFILES_CUSTOM_DOMAIN").strip("/")
    _s3 = {"region_name": AWS_REGION, "endpoint_url": AWS_ENDPOINT_URL}
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3,
                "bucket_name": AWS_S3_MEDIAFILES_BUCKET_NAME,
                "location": AWS_MEDIAFILES_LOCATION,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": env.int("MEDIA_URL_EXPIRY_SECONDS", 3600),
                "file_overwrite": False,
            },
        },
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": {
                **_s3,
                "bucket_name": AWS_S3_STATICFILES_BUCKET_NAME,
                "location": AWS_STATICFILES_LOCATION,
                "custom_domain": AWS_S3_STATICFILES_CUSTOM_DOMAIN,
                "default_acl": None,
                "querystring_auth": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    STATIC_URL = f"https://{AWS_S3_STATICFILES_CUSTOM_DOMAIN}/{AWS_STATICFILES_LOCATION}/"
    MEDIA_URL = f"/{AWS_MEDIAFILES_LOCATION}/"
else:
    STATIC_ROOT = Path(env.str("STATIC_ROOT", "/static" if DEPLOYED else str(LOCAL_DIR / "static")))
    MEDIA_ROOT = Path(env.str("MEDIA_ROOT", "/media" if DEPLOYED else str(LOCAL_DIR / "media")))
    STATIC_URL = f"/{AWS_STATICFILES_LOCATION}/"
    MEDIA_URL = f"/{AWS_MEDIAFILES_LOCATION}/"
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# --- Background tasks ---------------------------------------------------------

TASK_QUEUE_NAME = env.str("TASK_QUEUE_NAME", "panelapp")
SQS_QUEUE_VISIBILITY_TIMEOUT = env.int("SQS_QUEUE_VISIBILITY_TIMEOUT", 360)
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- E-mail -------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "panelapp@localhost", required=True)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PANEL_APP_EMAIL = env.str("PANEL_APP_EMAIL", "panelapp@localhost", required=True)
# The seeds' EMAIL_* variables feed Django's MAILERS; EMAIL_BACKEND switches to
# Amazon SES or, locally, to the console. No SMTP authentication when
# EMAIL_HOST_USER/EMAIL_HOST_PASSWORD are omitted.
_mail_backend = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if DEPLOYED else "django.core.mail.backends.console.EmailBackend",
)
_smtp = {
    "host": env.str("EMAIL_HOST", "localhost", required=True),
    "port": env.int("EMAIL_PORT", 25, required=True),
    "use_tls": env.bool("EMAIL_USE_TLS", DEPLOYED),
    "username": env.str("EMAIL_HOST_USER"),
    "password": env.str("EMAIL_HOST_PASSWORD"),
    "timeout": env.int("EMAIL_TIMEOUT", 10),
}
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": _smtp if _mail_backend.endswith("smtp.EmailBackend") else {},
    }
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
