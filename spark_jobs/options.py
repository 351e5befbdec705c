"""The job's choices that the Pulumi program passes it too: input formats, sinks and write modes (no pyspark
import, so that both sides name them from one place)."""

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
