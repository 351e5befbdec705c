"""The Spark settings the job sets itself, at run time, in whatever session it is given, and the labels its
BigQuery loads carry.

Apart from session.py and sinks.py, which need pyspark, so that the Pulumi program (which has none) can refuse
a batch property the job would silently override, and a connector job label the job sets.
"""

# Runtime SQL settings, so they also apply to an existing session.
JOB_SETTINGS = {
    # A TIMESTAMP without an offset is UTC, as in BigQuery, and dates never shift with the machine's zone.
    "spark.sql.session.timeZone": "UTC",
    # A TIMESTAMP is an instant (Spark's TIMESTAMP_LTZ): with TIMESTAMP_NTZ the cast would drop a value's
    # offset, and the Parquet column would be a local date-time, which BigQuery reads as DATETIME.
    "spark.sql.timestampType": "TIMESTAMP_LTZ",
    # A CSV header names the contract's columns ignoring case, as the job documents; case-sensitive
    # resolution would refuse `ID` for column `id`.
    "spark.sql.caseSensitive": "false",
    # Corrupt or vanished files must fail the run, never be skipped silently.
    "spark.sql.files.ignoreCorruptFiles": "false",
    "spark.sql.files.ignoreMissingFiles": "false",
    # A Parquet page whose bytes do not match its checksum (Spark's writer and most others store one) makes
    # the file corrupt too: unchecked, the damaged page's values would load as if they were data.
    "parquet.page.verify-checksum.enabled": "true",
    # Dates before 1582 and timestamps before 1900 are written as they are (the proleptic Gregorian calendar
    # BigQuery uses too), instead of failing the write for want of a rebase decision.
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    # Read them so too from files other writers made (Spark's own files say how they were written); without
    # a setting, Spark refuses to read a date before 1582 from a file it cannot tell the writer of.
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.avro.datetimeRebaseModeInRead": "CORRECTED",
    # Every Avro file is read, whatever its name: set to true, this Hadoop property makes spark-avro skip the
    # files not ending in .avro, which the report would list though their rows were never read.
    "avro.mapred.ignore.inputs.without.extension": "false",
    # A decimal of a file's Avro schema that is wider than the schema read with fails the read: allowed, its
    # values that do not fit would be read as null.
    "spark.sql.legacy.avro.allowIncompatibleSchema": "false",
    # Timestamps written as Parquet's standard 64-bit microseconds since the epoch (UTC), which every reader
    # and BigQuery's loads take, instead of Spark's default INT96, a deprecated type other readers mishandle.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # A nanosecond timestamp column (pandas writes them) is read as a number, so that the contract check
    # names it, or ignores it when the contract does not have it, instead of failing the whole read.
    "spark.sql.legacy.parquet.nanosAsLong": "true",
    # A contract's rules become one generated Java method per stage; past 8000 bytes of bytecode, which a
    # contract of six columns like the benchmark's passes, the JVM no longer compiles it and validating took
    # twice as long. Past that size Spark now runs that part of the plan without whole-stage code generation,
    # as compiled per-expression code (the limit Spark's documentation suggests on HotSpot).
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # A CSV record with more fields than the header must be malformed even when few columns are selected.
    "spark.sql.csv.parser.columnPruning.enabled": "false",
    # The job caches its checked rows once and scans them a few times: compressing the cache took longer
    # than all those scans (about half the job's time on 1M CSV rows); past memory, the cache spills to disk.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}

CACHE_BATCH_ROWS = "spark.sql.inMemoryColumnarStorage.batchSize"
"""Set by each run from the contract's width (`session.size_cache_batches`)."""

SET_AT_RUN_TIME = frozenset({*JOB_SETTINGS, CACHE_BATCH_ROWS})

CONNECTOR_JOB_LABEL = "bigQueryJobLabel."
"""The BigQuery connector puts each option named with this prefix on its BigQuery jobs, as a label of the
rest's name."""
PIPELINE_LABEL, BATCH_ID_LABEL = "pipeline", "batch_id"
JOB_LABELS = (PIPELINE_LABEL, BATCH_ID_LABEL)
"""The labels the BigQuery sink puts on each BigQuery job it starts (`sinks.job_labels`), which a batch's
properties may not give the connector too."""
