"""BigQuery connector options and the batch replacement statement (pure), and the connector call (cloud)."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession

from spark_jobs.contract import Contract, parse_contract
from spark_jobs.sinks import (
    BigQuerySink,
    batch_replacement_sql,
    bigquery_write_options,
    quarantine_write_options,
)

from .conftest import ITEMS

BASE = {
    "table": "sales.items",
    "writeMethod": "indirect",
    "temporaryGcsBucket": "tmp-bucket",
    "intermediateFormat": "parquet",
    "createDisposition": "CREATE_NEVER",
}


def test_overwrite_of_a_partitioned_table_replaces_only_present_partitions(items: Contract) -> None:
    assert bigquery_write_options(items, "sales.items", "tmp-bucket", "overwrite") == {
        **BASE,
        "partitionField": "day",
        "partitionType": "DAY",
        "spark.sql.sources.partitionOverwriteMode": "DYNAMIC",
        "clusteredFields": "color",
    }


def test_append_carries_partitioning_and_clustering_without_overwrite_mode(items: Contract) -> None:
    assert bigquery_write_options(items, "sales.items", "tmp-bucket", "append") == {
        **BASE,
        "partitionField": "day",
        "partitionType": "DAY",
        "clusteredFields": "color",
    }


def test_unpartitioned_unclustered_table_gets_only_the_base_options() -> None:
    plain = parse_contract({**ITEMS, "partitioning": None, "clustering": None}, "items.yaml")
    assert bigquery_write_options(plain, "proj.sales.items", "tmp-bucket", "overwrite") == {
        **BASE,
        "table": "proj.sales.items",
    }


def test_hourly_partitions_and_several_cluster_columns() -> None:
    hourly = parse_contract(
        {**ITEMS, "partitioning": {"field": "at", "type": "HOUR"}, "clustering": ["color", "id"]},
        "items.yaml",
    )
    options = bigquery_write_options(hourly, "sales.items", "tmp-bucket", "append")
    assert (options["partitionField"], options["partitionType"], options["clusteredFields"]) == (
        "at",
        "HOUR",
        "color,id",
    )


def test_quarantine_is_appended_by_ingestion_day_clustered_by_batch() -> None:
    assert quarantine_write_options("sales.items", "tmp-bucket") == {
        **BASE,
        "table": "sales.items__rejected",
        "partitionField": "_ingested_at",
        "partitionType": "DAY",
        "clusteredFields": "_batch_id",
        "enableListInference": "true",
    }


def test_batch_replacement_deletes_only_earlier_runs_of_the_batch() -> None:
    assert batch_replacement_sql("proj.sales.items__rejected") == (
        "DELETE FROM `proj.sales.items__rejected` "
        "WHERE _batch_id = @batch_id AND _ingested_at != @ingested_at"
    )


@pytest.mark.cloud
def test_bigquery_sink_writes_through_the_connector(spark: SparkSession, items: Contract) -> None:
    """Needs the spark-bigquery connector, a project, a dataset with the tables and a bucket (set below)."""
    sink = BigQuerySink(
        items, "pipeline_test.items", "pipeline-test-temp", "append", "t-1", dt.datetime.now(dt.UTC)
    )
    rows = spark.createDataFrame([], "id string")
    sink.write_rejected(rows)
