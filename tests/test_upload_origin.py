"""Uploads go straight from the page to the media bucket, another origin: the CSP allows exactly that one."""

from serverless.uploads import presigned_form

AWS = {
    "USE_S3": "TRUE",
    "AWS_REGION": "eu-west-2",
    "AWS_S3_STATICFILES_BUCKET_NAME": "stack-staticbucket-1a2b",
    "AWS_S3_MEDIAFILES_BUCKET_NAME": "stack-mediabucket-3c4d",
    "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
}
# The bucket's regional name (template.yaml: MediaBucket.RegionalDomainName).
REGIONAL = "stack-mediabucket-3c4d.s3.eu-west-2.amazonaws.com"


def test_on_aws_pages_may_connect_to_the_media_buckets_regional_address_and_nothing_else(load_settings):
    deployed = load_settings(**AWS, AWS_S3_MEDIAFILES_REGIONAL_DOMAIN=REGIONAL)

    assert deployed["SECURE_CSP"]["connect-src"] == [
        "'self'",
        f"https://{REGIONAL}",
    ]
    assert deployed["AWS_S3_MEDIAFILES_UPLOAD_URL"] == f"https://{REGIONAL}/"


def test_without_the_regional_domain_the_address_is_built_from_bucket_and_region(load_settings):
    deployed = load_settings(**AWS)

    assert deployed["SECURE_CSP"]["connect-src"][-1] == "https://stack-mediabucket-3c4d.s3.eu-west-2.amazonaws.com"


def test_with_an_emulator_pages_may_connect_to_its_origin(load_settings):
    local = load_settings(**{**AWS, "AWS_S3_STATICFILES_CUSTOM_DOMAIN": ""}, AWS_ENDPOINT_URL="http://127.0.0.1:5005")

    assert local["SECURE_CSP"]["connect-src"] == ["'self'", "http://127.0.0.1:5005"]
    assert local["AWS_S3_MEDIAFILES_UPLOAD_URL"] == "http://127.0.0.1:5005/stack-mediabucket-3c4d"


def test_the_upload_form_is_posted_to_the_address_the_csp_allows(s3, settings):
    from django.core.files.storage import storages

    settings.AWS_S3_MEDIAFILES_UPLOAD_URL = f"https://{REGIONAL}/"

    form = presigned_form(
        storages["default"],
        "uploads/1/ab/file.tsv",
        content_type="text/plain",
        max_size=10,
        expires_in=60,
        local_url="",
    )

    assert form.url == settings.AWS_S3_MEDIAFILES_UPLOAD_URL
    assert form.fields["key"] == "media/uploads/1/ab/file.tsv" and "policy" in form.fields
