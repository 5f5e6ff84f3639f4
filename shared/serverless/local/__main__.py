"""``python -m serverless.local``: the whole stack on one machine (``make run``).

Starts the embedded AWS (moto on loopback: S3, SQS with its DLQ, SES), points
the settings at it, migrates, loads the demo data (once),
collects static files into the static bucket, then serves the real web
handler over HTTP and runs the real worker handler on the queue. Ctrl-C stops
everything.
"""

import argparse
import logging
import os
import signal
import sys
from urllib.parse import urlsplit

log = logging.getLogger("serverless.local")


def prepare() -> None:
    from django.core.management import call_command

    print("Migrating the database…", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo_data")  # once: later runs find it loaded and do nothing
    print("Collecting static files into the local static bucket…", flush=True)
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    except Exception as error:
        # The site still runs; only its CSS and images are missing.
        log.warning("collectstatic into the local static bucket failed: %s", error)


def site_origin(base_url: str) -> str:
    """``scheme://host:port`` of the address people open: the origin the media bucket lets upload."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def stop_on_signal(signum: int, frame: object) -> None:
    """SIGTERM (a process manager, ``timeout``) stops as cleanly as Ctrl-C."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serverless.local", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=0, help="port of the embedded AWS (default: any free port)")
    args = parser.parse_args(argv)

    from serverless.local import aws, load_function

    # moto's HTTP server logs every call; the interesting lines are the app's.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, stop_on_signal)
    # Started in the background by a shell, SIGINT arrives ignored: take Ctrl-C back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
    # Links in e-mails (address confirmation, password reset) lead back to this server.
    os.environ.setdefault("PANEL_APP_BASE_URL", f"http://{args.host}:{args.port}")
    print("Starting the embedded AWS (S3, SQS, SES)…", flush=True)
    sender = os.environ.get("DEFAULT_FROM_EMAIL", "panelapp@localhost")
    local_aws = aws.start(
        host="127.0.0.1", port=args.aws_port, sender=sender, site_origin=site_origin(os.environ["PANEL_APP_BASE_URL"])
    )

    import django

    django.setup()
    prepare()

    from serverless.local.server import make_server
    from serverless.local.worker import WorkerLoop

    web, worker = load_function("web"), load_function("worker")
    loop = WorkerLoop(aws.client("sqs", local_aws.endpoint_url), local_aws.queue_url, worker.lambda_handler)
    httpd = make_server(args.host, args.port, web.lambda_handler, aws.sent_emails)
    loop.start()
    url = f"http://{args.host}:{httpd.server_port}/"
    print(f"PanelApp is running at {url}", flush=True)
    print(f"  e-mails sent: {url}_local/mail/   embedded AWS: {local_aws.endpoint_url}", flush=True)
    print("  press Ctrl-C to stop", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        loop.stop()
        loop.join(timeout=10)
        local_aws.stop()
        print("PanelApp stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
