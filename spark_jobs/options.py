"""The job's choices that the Pulumi program passes it too: input formats, CSV delimiters, sinks and write
modes (no pyspark import, so that both sides name them from one place)."""

from __future__ import annotations

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

CSV_DELIMITER = ","
"""RFC 4180's field separator, the default; another one is passed to the job only when chosen."""
CSV_DELIMITER_RULE = 'exactly one character, neither the quote (") nor a line break (\\r, \\n) nor NUL'


def is_csv_delimiter(value: str) -> bool:
    """Whether `value` can separate CSV fields: RFC 4180 gives the quote and line breaks their own meaning,
    and no command line can carry a NUL character to the job."""
    return len(value) == 1 and value not in '"\r\n\x00'
