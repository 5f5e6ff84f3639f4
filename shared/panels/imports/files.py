"""Reading an import file: where it is, its size, its encoding, its rows; and how problems are reported.

Nothing here knows a format: ``read_table`` turns lines into a header and
rows (TSV, or CSV with Excel's quoting), and every problem becomes a
``RowError`` with a row number (the spreadsheet row, header = 1), a column and
a message, so a curator can find and fix it.

A file is streamed: ``open_storage``/``open_source`` give its bytes as they
come from storage and ``Lines`` decodes them a chunk at a time, so a
100 MiB upload never sits in the worker's memory whole. The report is bounded
too: the parsers stop at ``MAX_ERRORS`` problems (``checks.RowChecker``) and
say how many rows they did not check.
"""

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.text import Truncator
from serverless.uploads import open_stored

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes read from storage at a time.
CHUNK_BYTES = 1024 * 1024
# No spreadsheet row is this long (csv's own limit is 131,072 characters a cell);
# a file without line breaks is refused before it fills the memory.
MAX_LINE_CHARS = 1024 * 1024
# Problems reported per file: enough to fix a file by, small enough for a page
# and a database row. A file with more is a different file altogether.
MAX_ERRORS = 1000
# A message quotes the cell it is about; a cell can be 100 KB of junk.
MAX_MESSAGE_CHARS = 300
MAX_COLUMN_CHARS = 100
# A cell the site's TSV writers protected from spreadsheets' formulas starts with
# one of these after its leading quotes (see ``unprotect``).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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

    def shortened(self) -> "RowError":
        """The same problem with its column and message cut to a size a page and an e-mail can hold."""
        return RowError(
            self.row,
            Truncator(self.column).chars(MAX_COLUMN_CHARS),
            Truncator(self.message).chars(MAX_MESSAGE_CHARS),
        )


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` say every reason found (nothing was changed).

    ``unchecked`` is how many lines of the file were not checked when the check
    stopped at ``MAX_ERRORS`` problems (None when it did not stop).
    """

    def __init__(self, errors: list[RowError], *, unchecked: int | None = None) -> None:
        self.errors = errors
        self.unchecked = unchecked
        super().__init__("\n".join(str(error) for error in errors))


def file_error(message: str) -> ImportFailed:
    return ImportFailed([RowError(None, "", message)])


def bounded(errors: Iterable[RowError]) -> list[RowError]:
    """At most ``MAX_ERRORS`` and a last line saying why it stopped, each shortened: what a job may store.

    A checker's report already ends that way (``RowChecker``); this bounds any other list of problems.
    """
    kept = [error.shortened() for error in itertools.islice(errors, MAX_ERRORS + 2)]
    if len(kept) > MAX_ERRORS + 1:
        kept[MAX_ERRORS:] = [RowError(None, "", f"Stopped after {MAX_ERRORS:,} problems; there may be more.")]
    return kept


def report(errors: list[RowError] | list[dict]) -> str:
    """The row report as text, one problem a line (command output and e-mails)."""
    return "\n".join(str(error if isinstance(error, RowError) else RowError(**error)) for error in errors)


# --- Where the bytes come from -------------------------------------------------------


def max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def open_storage(name: str) -> BinaryIO:
    """A file in the media storage (a confirmed upload) as a stream, refused when over the size limit."""
    _check_size(default_storage.size(name))
    return open_stored(default_storage, name)


def open_source(source: str) -> BinaryIO:
    """A local path, or ``s3://<media bucket>/<key>`` (what an operator passes to a command), as a stream."""
    if source.startswith("s3://"):
        return _open_s3(source)
    if settings.DEPLOYED:
        # On Lambda a path could only name the function's own files (or /proc): nothing to import.
        raise file_error("On AWS, import from the media bucket: s3://<media bucket>/<key>.")
    path = Path(source)
    if not path.is_file():
        raise file_error(f"No such file: {source}")
    _check_size(path.stat().st_size)
    return path.open("rb")


def _open_s3(address: str) -> BinaryIO:
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
        return client.get_object(Bucket=bucket, Key=key)["Body"]
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


# --- From bytes to lines ---------------------------------------------------------------


class Lines:
    """A file's lines, line breaks kept, decoded a chunk at a time as they are read; closes the stream at the end.

    UTF-8, with or without a byte-order mark; anything else is reported with
    the line where it goes wrong. Lines break at ``\\n``, ``\\r`` or ``\\r\\n``
    only, as ``csv`` expects, so a quoted cell spanning lines reads as before.
    ``count_rest`` counts the lines not read yet without decoding them.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._ready: Iterator[str] = iter(())
        self._pending = ""  # decoded text after the last complete line
        self._line_breaks = 0  # "\n" in the bytes decoded so far, to name the line of a bad byte
        self._content = False
        # A JSON document (a gene file) may be one line of many megabytes, as HGNC writes it: it is read
        # whole anyway, bounded by the upload limit, so the line limit is for tables only.
        self._json = False
        self._started = self._done = False

    @classmethod
    def of_text(cls, text: str) -> "Lines":
        return cls(io.BytesIO(text.encode("utf-8", errors="surrogatepass")))

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> str:
        while True:
            line = next(self._ready, None)
            if line is not None:
                return line
            if self._done:
                raise StopIteration
            self._read_chunk()

    def push_back(self, lines: Iterable[str]) -> None:
        """Give ``lines`` (taken from this reader to look at them) again, first."""
        self._ready = itertools.chain(lines, self._ready)

    def _read_chunk(self) -> None:
        chunk = self._stream.read(CHUNK_BYTES)
        at_end = not chunk
        if not self._started:
            self._started = True
            while len(chunk) < len(UTF8_BOM) and (more := self._stream.read(CHUNK_BYTES)):
                chunk += more  # the whole byte-order mark, however small the reads
            if chunk.startswith(UTF16_BOMS):
                self._close()
                raise file_error(
                    "The file is UTF-16 (Excel's 'Unicode text'); save it as UTF-8 (tab-delimited) and retry."
                )
            if chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM) :]
        try:
            text = self._decoder.decode(chunk, final=at_end)
        except UnicodeDecodeError as error:
            self._close()
            row = self._line_breaks + error.object[: error.start].count(b"\n") + 1
            byte = error.object[error.start : error.start + 1].hex().upper()
            raise ImportFailed(
                [RowError(row, "", f"Not UTF-8 (byte 0x{byte}); save the file as UTF-8 and retry.")]
            ) from None
        self._line_breaks += chunk.count(b"\n")
        if not self._content and text.strip():
            self._json = text.lstrip()[0] in "{["
        self._content = self._content or bool(chunk.strip())
        pending = self._pending + text
        if at_end:
            self._close()
            if not self._content:
                raise file_error("The file is empty.")
            self._ready, self._pending = iter(io.StringIO(pending, newline="")), ""
            return
        # Whole lines only; a final "\r" may be the first half of "\r\n".
        cut = max(pending.rfind("\n"), pending.rfind("\r", 0, len(pending) - 1)) + 1
        self._ready, self._pending = iter(io.StringIO(pending[:cut], newline="")), pending[cut:]
        if len(self._pending) > MAX_LINE_CHARS and not self._json:
            self._close()
            message = f"A line longer than {MAX_LINE_CHARS:,} characters; is this a table?"
            raise ImportFailed([RowError(self._line_breaks + 1, "", message)])

    def _close(self) -> None:
        self._done = True
        self._stream.close()

    def count_rest(self) -> int:
        """How many lines are left (blank ones too), counted in the bytes: a stopped check skips the rest fast."""
        count = sum(1 for _ in self._ready)
        if self._done:
            return count
        # The decoded text waiting for its line break, then the bytes not read yet.
        after_cr = self._pending.endswith("\r")
        count += after_cr
        content = not after_cr and bool(self._pending.strip())  # text not yet ended by a line break
        while chunk := self._stream.read(CHUNK_BYTES):
            # Line ends are "\n", "\r\n" and a lone "\r"; a "\r\n" may straddle two chunks.
            count += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            count -= after_cr and chunk.startswith(b"\n")
            after_cr = chunk.endswith(b"\r")
            last_break = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
            content = bool(chunk[last_break + 1 :].strip()) or (content and last_break < 0)
        self._close()
        return count + content  # a last line without its line break


def read_lines(stream: BinaryIO) -> Lines:
    """The lines of a file opened with ``open_storage`` or ``open_source`` (see ``Lines``)."""
    return Lines(stream)


def lines_of(source: "str | Lines") -> Lines:
    """``source`` as ``Lines``: a file's lines already, or text in memory (tests, a command's own checks)."""
    return source if isinstance(source, Lines) else Lines.of_text(source)


def decode(data: bytes) -> str:
    """A whole file as text, with the same checks as ``Lines`` (gene JSON is read whole)."""
    return "".join(Lines(io.BytesIO(data)))


# --- From lines to rows ----------------------------------------------------------------


def unprotect(cell: str) -> str:
    """A cell as it was before the site's TSV writers protected it from spreadsheets' formulas.

    The writers put a ``'`` before a cell that starts with ``= + - @``, TAB or
    CR, or with quotes followed by one of those; so such a cell loses exactly
    one leading quote, and a downloaded panel imports back to what it was.
    """
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


class Rows:
    """A table's data rows, one at a time, numbered as a spreadsheet numbers them (header = 1).

    Blank rows are skipped. ``read`` counts the rows given so far and ``last``
    is the number of the latest; ``count_rest`` counts the lines left in the
    file without reading them as rows, to say how much a stopped check left out.
    """

    def __init__(self, numbered: Iterator[tuple[int, list[str]]], lines: Lines) -> None:
        self._numbered = numbered
        self._lines = lines
        self.read = 0
        self.last = 1

    def __iter__(self) -> "Rows":
        return self

    def __next__(self) -> tuple[int, list[str]]:
        number, cells = next(self._numbered)
        self.read += 1
        self.last = number
        return number, cells

    def count_rest(self) -> int:
        return self._lines.count_rest()


@dataclass
class Table:
    header: list[str]
    rows: Rows


def read_table(source: "str | Lines") -> Table:
    """Header and rows of a TSV file, or of a CSV file with Excel's quoting (quoted cells, doubled quotes).

    ``source`` is the text, or its ``Lines``; rows come one at a time, so a
    large file never holds every row's cells at once. A row is one
    spreadsheet row even when a quoted cell spans lines.
    """
    lines = lines_of(source)
    first_line = next(lines, "")
    lines.push_back([first_line])
    delimiter = "\t" if "\t" in first_line or "," not in first_line else ","
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)

    def records() -> Iterator[list[str]]:
        try:
            for record in reader:
                yield [unprotect(cell) for cell in record]
        except csv.Error as error:
            raise ImportFailed([RowError(reader.line_num, "", f"Unreadable quoting: {error}.")]) from None

    numbered = enumerate(records(), start=1)
    _, header = next(numbered, (1, None))
    if header is None:
        raise file_error("The file is empty.")
    rows: Iterator[tuple[int, list[str]]] = (
        (number, row) for number, row in numbered if any(cell.strip() for cell in row)
    )
    if not any(cell.strip() for cell in header):
        # A blank first row: the file is empty if nothing follows (Lines says so), else its header is missing.
        first = next(rows, None)
        if first is None:
            raise file_error("The file is empty.")
        rows = itertools.chain([first], rows)
    return Table(header=[cell.strip() for cell in header], rows=Rows(rows, lines))


def normalised(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())
