"""Reading an import file: where it is, its size, its encoding, its rows; and how problems are reported.

Nothing here knows a format: ``read_table`` turns bytes into a header and
rows (TSV, or CSV with Excel's quoting), and every problem becomes a
``RowError`` with a row number (the spreadsheet row, header = 1), a column and
a message, so a curator can find and fix it.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}{column}: {self.message}"

    def as_json(self) -> dict:
        return asdict(self)


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` say every reason found (nothing was changed)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def file_error(message: str) -> ImportFailed:
    return ImportFailed([RowError(None, "", message)])


def report(errors: list[RowError] | list[dict]) -> str:
    """The row report as text, one problem a line (command output and e-mails)."""
    return "\n".join(str(error if isinstance(error, RowError) else RowError(**error)) for error in errors)


# --- Where the bytes come from -------------------------------------------------------


def max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def read_storage(name: str) -> bytes:
    """A file in the media storage (a confirmed upload), refused when over the size limit."""
    size = default_storage.size(name)
    _check_size(size)
    with default_storage.open(name, "rb") as file:
        return file.read()


def read_source(source: str) -> bytes:
    """A local path, or ``s3://<media bucket>/<key>`` (what an operator passes to a command)."""
    if source.startswith("s3://"):
        return _read_s3(source)
    if settings.DEPLOYED:
        # On Lambda a path could only name the function's own files (or /proc): nothing to import.
        raise file_error("On AWS, import from the media bucket: s3://<media bucket>/<key>.")
    path = Path(source)
    if not path.is_file():
        raise file_error(f"No such file: {source}")
    _check_size(path.stat().st_size)
    return path.read_bytes()


def _read_s3(address: str) -> bytes:
    parts = urlsplit(address)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    media_bucket = getattr(settings, "AWS_S3_MEDIAFILES_BUCKET_NAME", None)
    if not settings.USE_S3 or not media_bucket:
        raise file_error("s3:// files need USE_S3=TRUE and the media bucket configured.")
    if bucket != media_bucket or not key:
        raise file_error(f"Files are read from the media bucket only: s3://{media_bucket}/<key>.")
    client = default_storage.connection.meta.client  # the storage's own credentials and endpoint
    from botocore.exceptions import ClientError  # only S3 needs botocore

    try:
        head = client.head_object(Bucket=bucket, Key=key)
        _check_size(head["ContentLength"])
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        if status in {403, 404}:
            raise file_error(f"No such file: {address}") from None
        raise


def _check_size(size: int) -> None:
    if size > max_bytes():
        raise file_error(f"The file is {size} bytes, over the limit of {max_bytes()} bytes.")
    if size == 0:
        raise file_error("The file is empty.")


# --- From bytes to rows --------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is reported with where it goes wrong."""
    if not data.strip():
        raise file_error("The file is empty.")
    if data.startswith(UTF16_BOMS):
        raise file_error("The file is UTF-16 (Excel's 'Unicode text'); save it as UTF-8 (tab-delimited) and retry.")
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex().upper()
        raise ImportFailed(
            [RowError(row, "", f"Not UTF-8 (byte 0x{byte}); save the file as UTF-8 and retry.")]
        ) from None


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)


def read_table(text: str) -> Table:
    """Header and rows of a TSV file, or of a CSV file with Excel's quoting (quoted cells, doubled quotes)."""
    header, rows = iter_table(text)
    return Table(header=header, rows=list(rows))


def iter_table(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header, and the rows one at a time: a large file never holds every row's cells at once.

    A row is one spreadsheet row even when a quoted cell spans lines; blank rows are skipped.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line or "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as error:
            raise ImportFailed([RowError(reader.line_num, "", f"Unreadable quoting: {error}.")]) from None

    cells = records()
    header = next(cells, None)
    if header is None:
        raise file_error("The file is empty.")

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(cells, start=2):
            if any(cell.strip() for cell in row):
                yield number, row

    return [cell.strip() for cell in header], rows()


def normalised(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())
