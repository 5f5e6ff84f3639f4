"""The configuration contract: each variable does what it says."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import SETTINGS_FILE as SETTINGS

# A complete deployed environment, as the template provides it (values are fakes).
DEPLOYED_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "panelapp-WebFunction",
    "SECRET_KEY": "x7#kq2!vR9mZp4Lw8Nc3Ht6Yb1Gd5Fs0Ja2Qe7Uo4Ix9Rz3Vt6Wy8Pn1Km5Bh0",
    "ALLOWED_HOSTS": "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com,panelapp.example.org",
    "PANEL_APP_BASE_URL": "https://panelapp.example.org",
    "HEALTH_CHECK_TOKEN": "health-token",
    "DATABASE_URL": "postgres://panelapp:secret@proxy.example.internal:5432/panelapp",
    "AWS_REGION": "eu-west-2",
    "AWS_S3_STATICFILES_BUCKET_NAME": "panelapp-static",
    "AWS_S3_MEDIAFILES_BUCKET_NAME": "panelapp-media",
    "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
    "AWS_S3_MEDIAFILES_CUSTOM_DOMAIN": "",
    "DEFAULT_FROM_EMAIL": "panelapp@example.org",
    "PANEL_APP_EMAIL": "panelapp@example.org",
    "EMAIL_HOST": "email-smtp.eu-west-2.amazonaws.com",
    "EMAIL_PORT": "587",
}

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_local_run_with_nothing_set_uses_embedded_defaults(load_settings):
    settings = load_settings()
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["STORAGES"]["default"]["BACKEND"] == "serverless.storage.local.LocalMediaStorage"
    assert settings["USE_S3"] is False and settings["USE_SQS"] is False
    assert settings["DEBUG"] is False


def test_deployed_configuration_loads_from_a_complete_environment(load_settings):
    settings = load_settings(**DEPLOYED_ENV)
    assert settings["DEPLOYED"] is True
    assert settings["ALLOWED_HOSTS"] == ["panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com", "panelapp.example.org"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://panelapp.example.org"]


def test_missing_mandatory_variables_are_all_named_in_one_error(load_settings):
    environ = {k: v for k, v in DEPLOYED_ENV.items() if k not in {"SECRET_KEY", "EMAIL_HOST", "DATABASE_URL"}}
    with pytest.raises(ImproperlyConfigured) as error:
        load_settings(**environ, EMAIL_BACKEND=SMTP)
    message = str(error.value)
    for name in ("SECRET_KEY", "EMAIL_HOST", "DATABASE_HOST", "DATABASE_USER", "DATABASE_PASSWORD"):
        assert name in message
    assert "DATABASE_URL or DATABASE_HOST+DATABASE_USER+DATABASE_PASSWORD" in message


@pytest.mark.parametrize("value, expected", [("False", False), ("false", False), ("0", False), ("TRUE", True)])
def test_email_use_tls_is_parsed_as_a_boolean(load_settings, value, expected):
    options = load_settings(**DEPLOYED_ENV, EMAIL_USE_TLS=value, EMAIL_BACKEND=SMTP)["MAILERS"]["transport"]["OPTIONS"]
    assert options["use_tls"] is expected


def test_a_non_boolean_flag_is_an_error_naming_the_variable(load_settings):
    with pytest.raises(ImproperlyConfigured, match="USE_S3 must be a boolean"):
        load_settings(USE_S3="sometimes")


def test_deployed_mail_goes_through_the_ses_api_with_the_role_by_default(load_settings):
    environ = {k: v for k, v in DEPLOYED_ENV.items() if not k.startswith("EMAIL_")}
    mailers = load_settings(**environ)["MAILERS"]
    assert mailers["default"]["BACKEND"] == "serverless.tasks.mail.QueuedEmailBackend"
    # No host, port or credentials needed: the function's role signs each call.
    assert mailers["transport"] == {"BACKEND": "serverless.tasks.ses.EmailBackend", "OPTIONS": {}}


def test_smtp_is_configured_from_the_email_variables(load_settings):
    mailer = load_settings(
        **DEPLOYED_ENV, EMAIL_BACKEND=SMTP, EMAIL_HOST_USER="smtp-user", EMAIL_HOST_PASSWORD="smtp-pass"
    )["MAILERS"]
    assert mailer["default"]["BACKEND"] == "serverless.tasks.mail.QueuedEmailBackend"
    assert mailer["transport"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["transport"]["OPTIONS"] == {
        "host": "email-smtp.eu-west-2.amazonaws.com",
        "port": 587,
        "use_tls": True,
        "username": "smtp-user",
        "password": "smtp-pass",
        "timeout": 10,
    }


def test_smtp_authentication_is_off_when_credentials_are_omitted(load_settings):
    options = load_settings(**DEPLOYED_ENV, EMAIL_BACKEND=SMTP)["MAILERS"]["transport"]["OPTIONS"]
    assert options["username"] == "" and options["password"] == ""


def test_a_non_number_port_is_an_error_naming_the_variable(load_settings):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be an integer, got 'smtp'"):
        load_settings(**{**DEPLOYED_ENV, "EMAIL_PORT": "smtp", "EMAIL_BACKEND": SMTP})


def test_database_url_is_parsed(load_settings):
    database = load_settings(**DEPLOYED_ENV)["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "proxy.example.internal",
        5432,
        "panelapp",
        "panelapp",
    )


def test_database_parts_are_an_alternative_to_database_url(load_settings):
    environ = {k: v for k, v in DEPLOYED_ENV.items() if k != "DATABASE_URL"}
    database = load_settings(
        **environ, DATABASE_HOST="proxy.internal", DATABASE_USER="app", DATABASE_PASSWORD="pw", DATABASE_PORT="6432"
    )["DATABASES"]["default"]
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"], database["PASSWORD"]) == (
        "proxy.internal",
        6432,
        "panelapp",
        "app",
        "pw",
    )


def test_database_settings_suit_rds_proxy(load_settings):
    settings = load_settings(**DEPLOYED_ENV)
    database = settings["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["sslmode"] == "verify-full"
    assert settings["TIME_ZONE"] == "UTC" and settings["USE_TZ"] is True


def test_secrets_arrive_by_reference_from_secrets_manager(load_settings, secrets_manager):
    import json

    app = secrets_manager.create_secret(
        Name="panelapp/app",
        SecretString=json.dumps({"SECRET_KEY": DEPLOYED_ENV["SECRET_KEY"], "HEALTH_CHECK_TOKEN": "from-secret"}),
    )
    db = secrets_manager.create_secret(
        Name="panelapp/db",
        SecretString=json.dumps(
            {"username": "dbuser", "password": "dbpass", "port": 5432, "dbname": "panelapp", "engine": "postgres"}
        ),
    )
    environ = {k: v for k, v in DEPLOYED_ENV.items() if k not in {"SECRET_KEY", "HEALTH_CHECK_TOKEN", "DATABASE_URL"}}
    settings = load_settings(
        **environ,
        AWS_DEFAULT_REGION="eu-west-2",
        # As on Lambda: the role's credentials in the environment, the secret read over HTTPS (here, moto).
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=secrets_manager.meta.endpoint_url,
        APP_SECRET_ARN=app["ARN"],
        DATABASE_SECRET_ARN=db["ARN"],
        DATABASE_HOST="proxy.internal",
    )
    assert settings["HEALTH_CHECK_TOKEN"] == "from-secret"
    assert settings["DATABASES"]["default"]["USER"] == "dbuser"
    assert settings["DATABASES"]["default"]["PASSWORD"] == "dbpass"
    assert settings["DATABASES"]["default"]["HOST"] == "proxy.internal"


def test_admin_url_is_configurable(load_settings):
    assert load_settings(DJANGO_ADMIN_URL="/secret-admin/")["DJANGO_ADMIN_URL"] == "secret-admin/"


def test_log_level_is_configurable(load_settings):
    settings = load_settings(DJANGO_LOG_LEVEL="warning")
    assert settings["LOGGING"]["root"]["level"] == "WARNING"


def test_use_s3_false_keeps_files_on_the_file_system(load_settings):
    settings = load_settings(**DEPLOYED_ENV, USE_S3="FALSE", STATIC_ROOT="/srv/static")
    assert str(settings["STATIC_ROOT"]) == "/srv/static"
    assert str(settings["MEDIA_ROOT"]) == "/media"


def test_task_queue_settings_have_the_seed_defaults(load_settings):
    settings = load_settings()
    assert settings["TASK_QUEUE_NAME"] == "panelapp"
    assert settings["SQS_QUEUE_VISIBILITY_TIMEOUT"] == 360


def test_production_like_environment_is_https_only(load_settings):
    settings = load_settings(**DEPLOYED_ENV)
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_check_deploy_is_clean_in_a_production_like_environment(tmp_path):
    import os
    import subprocess
    import sys

    root = SETTINGS.parent.parent.parent
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "EMAIL_", "HEALTH_", "ALLOWED_"))}
    environ.update(DEPLOYED_ENV)
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_certificate_less_dev_stack_sets_cookies_a_plain_http_browser_keeps(load_settings):
    # The template sets SECURE_SSL_REDIRECT=False when the ALB has no certificate (plain HTTP).
    settings = load_settings(**DEPLOYED_ENV, SECURE_SSL_REDIRECT="False")
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CSRF_COOKIE_SECURE"] is False


def test_secure_cookies_follow_the_https_redirect_on_a_stack_with_a_certificate(load_settings):
    settings = load_settings(**DEPLOYED_ENV, SECURE_SSL_REDIRECT="True")
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
