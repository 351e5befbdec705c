"""The job's choices that the Pulumi program passes it too: input formats, CSV dialects (delimiters, encodings
and null markers), sinks, write modes, reject ratios and project ids (no pyspark import, so that both sides
name them from one place)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from spark_jobs.bigquery_types import FLOAT64_LITERAL, rounds_to_zero

CSV = "csv"
JSON = "json"
PARQUET = "parquet"
AVRO = "avro"
FORMATS = (CSV, JSON, PARQUET, AVRO)

BIGQUERY = "bigquery"
LOCAL = "local"
SINKS = (BIGQUERY, LOCAL)

APPEND = "append"
OVERWRITE = "overwrite"
WRITE_MODES = (APPEND, OVERWRITE)

PROJECT_ID = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
"""A Google Cloud project id (6-30 characters: lowercase letters, digits, hyphens; a letter first, no hyphen
last), as a regular expression."""
SCOPED_PROJECT_ID = rf"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*:)?{PROJECT_ID}"
"""A project id, perhaps scoped by the domain of a legacy project (`example.com:project`)."""

CSV_DELIMITER = ","
"""RFC 4180's field separator, the default; another one is passed to the job only when chosen."""
CSV_DELIMITER_RULE = 'exactly one character, neither the quote (") nor a line break (\\r, \\n) nor NUL'


def is_csv_delimiter(value: str) -> bool:
    """Whether `value` can separate CSV fields: RFC 4180 gives the quote and line breaks their own meaning,
    and no command line can carry a NUL character to the job."""
    return len(value) == 1 and value not in '"\r\n\x00'


CSV_ENCODING = "UTF-8"
"""The character set CSV files are read in unless another is chosen (the only one of JSON lines)."""
CSV_ENCODINGS = (CSV_ENCODING, "ISO-8859-1", "windows-1252")
"""Those a CSV file may be read in: BigQuery's two for CSV loads, and the Western European one of Windows,
which Excel's plain "CSV" writes."""

CSV_NULL_MARKER_RULE = (
    "a text of visible characters and spaces, or the empty text (to keep empty fields null beside other "
    "markers), other than -- (which a command line takes for the end of its options)"
)


def is_csv_null_marker(value: str) -> bool:
    """Whether `value` can mark a null CSV field, as `\\N` or `NULL` do in some exports. Control, format and
    separator characters but the space are refused: no export writes one in a marker, and one there is a
    quoting slip (YAML reads "\\N" in double quotes as U+0085, a line break)."""
    return value != "--" and all(character == " " or _visible(character) for character in value)


def _visible(character: str) -> bool:
    category = unicodedata.category(character)
    return not (category.startswith("Z") or category in ("Cc", "Cf"))


@dataclass(frozen=True)
class CsvDialect:
    """How a pipeline's CSV files are written, beyond RFC 4180's quoting: the job's `--csv-*` options, which
    the Pulumi program passes it and the command line reads back. Set for CSV input only."""

    delimiter: str = CSV_DELIMITER
    """The character separating fields."""
    encoding: str = CSV_ENCODING
    """The character set the files are written in."""
    null_markers: tuple[str, ...] = ()
    """The texts that stand for null in a field. Without any, an empty field is null; with some, it is an
    empty text unless the empty text is one of them, as in BigQuery's CSV loads."""

    def arguments(self) -> list[str]:
        """The job's options that choose this dialect: none for a default, so that a command line (and the
        batch id derived from it) stays as it was before a choice existed. A marker is joined to its flag by
        `=`: on its own, one starting with `--` would read as an option."""
        delimiter = [] if self.delimiter == CSV_DELIMITER else ["--csv-delimiter", self.delimiter]
        encoding = [] if self.encoding == CSV_ENCODING else ["--csv-encoding", self.encoding]
        return [*delimiter, *encoding, *[f"--csv-null-marker={marker}" for marker in self.null_markers]]


DEFAULT_CSV_DIALECT = CsvDialect()
"""Fields separated by commas, UTF-8, no null markers: the dialect of a CSV input that chooses none."""


def reject_ratio(text: str) -> float:
    """`text` as a share of rows from 0 to 1, written in ASCII digits (`0.05`, `5e-2`); -0 is 0. Raises
    ValueError saying what is wrong: float() would also take `0.000_1`, other scripts' digits and spaces, and
    read a tiny positive `1e-400` as 0 (no row may be rejected)."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError("is not a number such as 0.05")
    ratio = float(text)
    if not 0.0 <= ratio <= 1.0:
        raise ValueError("is not between 0 and 1")
    if rounds_to_zero(text):
        raise ValueError("is too small to tell from 0")
    return ratio + 0.0


_DECIMAL = re.compile(FLOAT64_LITERAL)
