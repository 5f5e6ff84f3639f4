"""Home page images are redirects to the media bucket: on AWS the CSP lets images come from its origins only."""

DEPLOYED = {
    "USE_S3": "TRUE",
    "AWS_S3_STATICFILES_BUCKET_NAME": "static",
    "AWS_S3_MEDIAFILES_BUCKET_NAME": "media",
    "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
}


def test_images_may_come_from_the_media_buckets_regional_and_global_names(load_settings):
    img_src = load_settings(**DEPLOYED)["SECURE_CSP"]["img-src"]

    assert "https://media.s3.eu-west-2.amazonaws.com" in img_src  # where boto3's link may be redirected
    assert "https://media.s3.amazonaws.com" in img_src  # the name boto3 presigns on
    assert "https://d111111abcdef8.cloudfront.net" in img_src


def test_with_a_media_cdn_images_come_from_it_not_from_the_bucket_s_global_name(load_settings):
    img_src = load_settings(
        **DEPLOYED,
        AWS_S3_MEDIAFILES_CUSTOM_DOMAIN="media.example.org",
        AWS_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F",
        AWS_CLOUDFRONT_KEY="-----BEGIN PRIVATE KEY-----\nnot checked here\n-----END PRIVATE KEY-----",
    )["SECURE_CSP"]["img-src"]

    assert "https://media.example.org" in img_src
    assert "https://media.s3.amazonaws.com" not in img_src


def test_without_s3_images_come_from_the_site_itself(load_settings):
    assert load_settings(USE_S3="FALSE")["SECURE_CSP"]["img-src"] == ["'self'", "data:"]
