"""The local stack: the web and worker handlers on one machine, AWS emulated.

Run it with ``make run`` (``python -m serverless.local``). No AWS account and
no Docker: moto plays S3, SQS and SES on loopback, an HTTP server turns each
request into an ALB event for ``functions/web``, and a loop turns queue
messages into SQS events for ``functions/worker``.
"""
