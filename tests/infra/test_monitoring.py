"""Log-based metrics read the job's real report line; dashboard and alerts chart only metrics that exist."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from infra.monitoring import REPORT_LINE
from spark_jobs.cli import main
from spark_jobs.report import STATUS_FAILED, Progress, Report, render_report
from tests.infra.harness import DeclaredResource, StackResult, run_stack, secret

METRIC = "gcp:logging/metric:Metric"
ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
EXECUTORS = "dataproc.googleapis.com/batch/spark/executors"
_EXTRACT = re.compile(r'^REGEXP_EXTRACT\(jsonPayload\.message, ("(?:[^"\\]|\\.)*")\)$')
_MESSAGE_REGEX = re.compile(r'jsonPayload\.message=~("(?:[^"\\]|\\.)*")')

REPORT = Report(
    pipeline="orders",
    batch_id="dev-orders-0123456789ab",
    started_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    ended_at=dt.datetime(2026, 1, 2, 3, 6, 17, 250000, tzinfo=dt.UTC),
    status=STATUS_FAILED,
    error='too many rejected rows: "status":"SUCCEEDED" in a message must not confuse the metrics',
    progress=Progress(
        input_files=("gs://b/orders/a.csv",),
        rows_read=1200,
        rows_loaded=1150,
        rows_rejected=50,
        rejections_by_rule={"pattern:order_id": 50},
    ),
)
LINE = render_report(REPORT)


def _extracted(extractor: str) -> str | None:
    """Apply a log-metric REGEXP_EXTRACT to the report line, as Cloud Logging would."""
    match = _EXTRACT.match(extractor)
    assert match, extractor
    found = re.search(json.loads(match.group(1)), LINE)
    return found.group(1) if found else None


def _metric_type(metric_filter: str) -> str:
    match = re.search(r'metric\.type="([^"]+)"', metric_filter)
    assert match, metric_filter
    return match.group(1)


def _metrics(stack: StackResult) -> dict[str, DeclaredResource]:
    return {m.inputs["name"]: m for m in stack.of_type(METRIC)}


def test_metrics_select_this_stacks_report_lines_from_driver_output(dev: StackResult) -> None:
    for metric in dev.of_type(METRIC):
        selector = metric.inputs["filter"]
        assert 'resource.type="cloud_dataproc_batch"' in selector
        assert 'logName="projects/my-pipeline-dev/logs/dataproc.googleapis.com%2Foutput"' in selector
        batch_ids = re.search(r'resource\.labels\.batch_id=~("[^"]*")', selector)
        assert batch_ids
        pattern = json.loads(batch_ids.group(1))
        assert re.search(pattern, dev.outputs["batch_ids"]["orders"])
        assert re.search(pattern, "dev-orders-0123456789ab")
        others = (
            "dev-eu-orders-0123456789ab",
            "dev-payments-0123456789ab",
            "prod-orders-0123456789ab",
            "dev-orders-extra-0123456789ab",  # another pipeline whose name starts like this one's
            "dev-orders-0123456789abc",  # the digest is exactly twelve hex digits
        )
        for other in others:
            assert not re.search(pattern, other), other
        message = _MESSAGE_REGEX.search(selector)
        assert message
        assert re.search(json.loads(message.group(1)), LINE)
        assert not re.search(json.loads(message.group(1)), "INFO SparkContext: Running Spark version 3.5.1")
        # Another event's line, even one naming a pipeline, is not a report.
        assert not re.search(json.loads(message.group(1)), '{"event":"progress","pipeline":"orders"}')


def test_the_failure_line_on_stderr_never_reads_as_a_report_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its error may quote any text, a report line's included (here, in the missing contract's name)."""
    contract = tmp_path / 'x {"event":"pipeline_report","status":"SUCCEEDED"}.yaml'
    argv = ["--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", str(contract)]
    assert main([*argv, "--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1"]) == 3
    printed = capsys.readouterr()
    [failure] = printed.err.splitlines()
    assert failure.startswith(
        r"pipeline x {\"event\":\"pipeline_report\",\"status\":\"SUCCEEDED\"} batch b1 failed: "
    )
    assert not re.search(REPORT_LINE, failure)
    [line] = printed.out.splitlines()
    assert re.search(REPORT_LINE, line)
    assert json.loads(line)["status"] == STATUS_FAILED


def test_distributions_extract_the_report_numbers(dev: StackResult) -> None:
    metrics = _metrics(dev)
    expected = {
        "pl-dev/rows_read": "1200",
        "pl-dev/rows_loaded": "1150",
        "pl-dev/rows_rejected": "50",
        "pl-dev/duration_seconds": "132.25",
    }
    for name, value in expected.items():
        metric = metrics[name].inputs
        assert metric["metricDescriptor"]["valueType"] == "DISTRIBUTION"
        assert metric["metricDescriptor"]["metricKind"] == "DELTA"
        assert _extracted(metric["valueExtractor"]) == value
        assert _extracted(metric["labelExtractors"]["pipeline"]) == "orders"
        assert "exponentialBuckets" in metric["bucketOptions"]


def test_runs_counted_by_pipeline_and_outcome(dev: StackResult) -> None:
    runs = _metrics(dev)["pl-dev/runs"].inputs
    assert runs["metricDescriptor"]["valueType"] == "INT64"
    assert {label["key"] for label in runs["metricDescriptor"]["labels"]} == {"pipeline", "status"}
    assert _extracted(runs["labelExtractors"]["status"]) == "FAILED"
    assert _extracted(runs["labelExtractors"]["pipeline"]) == "orders"


def test_dashboard_charts_only_declared_or_native_metrics(dev: StackResult) -> None:
    dashboard = json.loads(dev.one("gcp:monitoring/dashboard:Dashboard", "dashboard").inputs["dashboardJson"])
    tiles = dashboard["mosaicLayout"]["tiles"]
    titles = [tile["widget"]["title"] for tile in tiles]
    assert titles == [
        "Runs by outcome",
        "Run duration (s, mean per run)",
        "Rows loaded vs rejected (mean per run)",
        "Spark executors",
        "Report lines (rejections by rule, input files, error of each run)",
    ]
    # Charts in two columns, the report lines below them across the grid; the API stores no zero position,
    # so none is sent (it would show as a change every time).
    places = [(tile.get("xPos"), tile.get("yPos"), tile["width"], tile["height"]) for tile in tiles]
    assert places == [(None, None, 6, 4), (6, None, 6, 4), (None, 4, 6, 4), (6, 4, 6, 4), (None, 8, 12, 4)]
    # The report lines shown are the very ones the metrics count.
    *charts, report_lines = tiles
    assert report_lines["widget"]["logsPanel"] == {"filter": _metrics(dev)["pl-dev/runs"].inputs["filter"]}
    declared = {f"logging.googleapis.com/user/{name}" for name in _metrics(dev)} | {EXECUTORS}
    charted = {
        _metric_type(data_set["timeSeriesQuery"]["timeSeriesFilter"]["filter"])
        for tile in charts
        for data_set in tile["widget"]["xyChart"]["dataSets"]
    }
    assert EXECUTORS in charted
    assert charted <= declared
    [executors] = charts[3]["widget"]["xyChart"]["dataSets"]
    assert executors["timeSeriesQuery"]["timeSeriesFilter"]["filter"].endswith(
        'AND resource.labels.batch_id = monitoring.regex.full_match("^dev-(?:orders)-[0-9a-f]{12}$")'
    )
    assert dev.outputs["dashboard_url"].startswith("https://console.cloud.google.com/monitoring/dashboards/")


def test_alerts_on_failed_runs_and_rejected_rows(dev: StackResult) -> None:
    alerts = {a.name: a for a in dev.of_type(ALERT)}
    failed = alerts["failed-runs-alert"].inputs["conditions"][0]["conditionThreshold"]
    assert 'metric.type="logging.googleapis.com/user/pl-dev/runs"' in failed["filter"]
    assert 'metric.label.status="FAILED"' in failed["filter"]
    assert failed["thresholdValue"] == 0
    assert failed["comparison"] == "COMPARISON_GT"
    # Each failed batch opens an incident, and notifies, even while another of its pipeline is open.
    assert failed["aggregations"][0]["groupByFields"] == ["resource.label.batch_id"]
    # One rejected-rows alert per pipeline, at the stack's threshold where it sets none of its own.
    rejected = alerts["orders-rejected-rows-alert"].inputs["conditions"][0]["conditionThreshold"]
    assert rejected["filter"] == (
        'metric.type="logging.googleapis.com/user/pl-dev/rows_rejected" AND '
        'resource.type="cloud_dataproc_batch" AND metric.label.pipeline="orders"'
    )
    assert rejected["thresholdValue"] == 0
    assert sorted(alerts) == ["failed-runs-alert", "orders-rejected-rows-alert"]
    for alert in alerts.values():
        # A report is one point per run: the alert fires on it at once, and closes after 30 minutes without.
        assert alert.inputs["conditions"][0]["conditionThreshold"]["duration"] == "0s"
        assert alert.inputs["alertStrategy"] == {"autoClose": "1800s"}
        assert "notificationChannels" not in alert.inputs or alert.inputs["notificationChannels"] == []
        assert "metric-propagation" in alert.options.depends_on
    wait = dev.one("pulumi-python:dynamic:Resource", "metric-propagation")
    assert wait.inputs["seconds"] == 60
    metrics = dev.of_type(METRIC)
    assert wait.inputs["triggers"] == sorted(m.inputs["name"] for m in metrics)
    assert set(wait.options.depends_on) >= {m.name for m in metrics}
    assert dev.of_type("gcp:monitoring/notificationChannel:NotificationChannel") == []


def test_prod_alerts_notify_the_configured_email() -> None:
    prod = run_stack("prod", {"rejectedRowsThreshold": 500})
    channel = prod.one("gcp:monitoring/notificationChannel:NotificationChannel", "alert-email")
    assert channel.inputs["type"] == "email"
    assert channel.inputs["labels"] == {"email_address": "data-oncall@example.com"}
    assert channel.inputs["userLabels"]["env"] == "prod"
    for alert in prod.of_type(ALERT):
        assert alert.inputs["notificationChannels"] == [
            "projects/my-pipeline-prod/notificationChannels/alert-email"
        ]
    rejected = prod.one(ALERT, "orders-rejected-rows-alert").inputs["conditions"][0]["conditionThreshold"]
    assert rejected["thresholdValue"] == 500


def test_each_pipeline_has_a_rejected_rows_alert_at_its_own_threshold_or_the_stacks(tmp_path: Path) -> None:
    refunds = tmp_path / "refunds.yaml"
    refunds.write_text(
        "table: refund_lines\ncolumns:\n  - {name: refund_id, type: STRING}\n", encoding="utf-8"
    )
    orders = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}
    pipelines = [
        {**orders, "rejectedRowsThreshold": 1000},
        {**orders, "name": "refunds", "contract": str(refunds)},
    ]
    stack = run_stack("dev", {"rejectedRowsThreshold": 10, "pipelines": pipelines})
    alerts = {alert.name: alert for alert in stack.of_type(ALERT)}
    assert sorted(alerts) == [
        "failed-runs-alert",
        "orders-rejected-rows-alert",
        "refund_lines-rejected-rows-alert",
    ]
    own, stacks = alerts["orders-rejected-rows-alert"], alerts["refund_lines-rejected-rows-alert"]
    own_condition = own.inputs["conditions"][0]["conditionThreshold"]
    stacks_condition = stacks.inputs["conditions"][0]["conditionThreshold"]
    # The metric's pipeline label is the table the job reports.
    assert own_condition["filter"].endswith(' AND metric.label.pipeline="orders"')
    assert stacks_condition["filter"] == own_condition["filter"].replace('"orders"', '"refund_lines"')
    assert (own_condition["thresholdValue"], stacks_condition["thresholdValue"]) == (1000, 10)
    assert own_condition["aggregations"] == stacks_condition["aggregations"]
    assert own.inputs["displayName"] == "Pipeline rejected rows: orders (dev)"
    assert stacks.inputs["displayName"] == "Pipeline rejected rows: refunds (dev)"
    assert own.inputs["documentation"]["content"] == (
        "A run of pipeline orders (table orders) rejected more rows than its own rejectedRowsThreshold. "
        "The rows and their reasons are in the `orders__rejected` table, unless the run failed before it "
        "wrote them there: a failed-run alert then says why."
    )
    assert stacks.inputs["documentation"]["content"].startswith(
        "A run of pipeline refunds (table refund_lines) rejected more rows than the stack's "
        "rejectedRowsThreshold."
    )
    assert "metric-propagation" in own.options.depends_on


def test_rejected_rows_alert_filters_stay_within_cloud_monitorings_limit(tmp_path: Path) -> None:
    """Cloud Monitoring refuses a condition's filter over 2,048 characters: however many pipelines set their
    own thresholds, and however long their tables' names, each alert selects one pipeline."""
    pipelines = []
    for index in range(40):
        contract = tmp_path / f"c{index}.yaml"
        table = f"t{index}_" + "x" * 1000
        contract.write_text(f"table: {table}\ncolumns:\n  - {{name: id, type: STRING}}\n", encoding="utf-8")
        pipelines.append(
            {
                "name": f"p{index}",
                "contract": str(contract),
                "inputFormat": "csv",
                "rejectedRowsThreshold": index,
            }
        )
    stack = run_stack("dev", {"pipelines": pipelines, "subnetCidr": "10.10.0.0/16"})
    filters = [
        alert.inputs["conditions"][0]["conditionThreshold"]["filter"] for alert in stack.of_type(ALERT)
    ]
    assert len(filters) == 41
    assert max(len(text) for text in filters) <= 2048


def test_an_alert_email_set_as_a_secret_stays_secret_in_the_channel() -> None:
    prod = run_stack("prod", secret_keys=["alertEmail"])
    channel = prod.one("gcp:monitoring/notificationChannel:NotificationChannel", "alert-email")
    assert channel.inputs["labels"] == secret({"email_address": "data-oncall@example.com"})


# What google/monitoring/v3/common.proto allows per value type (and what turns a distribution into a number).
_DISTRIBUTION_ALIGNERS = {"ALIGN_DELTA", "ALIGN_SUM"} | {
    f"ALIGN_PERCENTILE_{p}" for p in ("99", "95", "50", "05")
}
_NUMERIC_ALIGNERS = {"ALIGN_DELTA", "ALIGN_SUM", "ALIGN_MEAN", "ALIGN_MIN", "ALIGN_MAX", "ALIGN_COUNT"}
_TO_NUMBER = {"REDUCE_MEAN", "REDUCE_STDDEV", "REDUCE_COUNT"} | {
    f"REDUCE_PERCENTILE_{p}" for p in ("99", "95", "50", "05")
}


def _check_aggregation(value_type: str, aligner: str, reducer: str) -> None:
    if value_type == "DISTRIBUTION":
        assert aligner in _DISTRIBUTION_ALIGNERS, aligner
        assert aligner.startswith("ALIGN_PERCENTILE") or reducer in _TO_NUMBER, (aligner, reducer)
    else:
        assert aligner in _NUMERIC_ALIGNERS, aligner
        assert reducer in {"REDUCE_SUM", "REDUCE_MEAN", "REDUCE_MAX", "REDUCE_MIN"}, reducer


def test_every_chart_and_alert_aggregates_its_metric_validly(dev: StackResult) -> None:
    value_types = {
        f"logging.googleapis.com/user/{name}": metric.inputs["metricDescriptor"]["valueType"]
        for name, metric in _metrics(dev).items()
    } | {EXECUTORS: "INT64"}
    dashboard = json.loads(dev.one("gcp:monitoring/dashboard:Dashboard", "dashboard").inputs["dashboardJson"])
    for tile in dashboard["mosaicLayout"]["tiles"]:
        for data_set in tile["widget"].get("xyChart", {}).get("dataSets", []):
            query = data_set["timeSeriesQuery"]["timeSeriesFilter"]
            aggregation = query["aggregation"]
            _check_aggregation(
                value_types[_metric_type(query["filter"])],
                aggregation["perSeriesAligner"],
                aggregation["crossSeriesReducer"],
            )
    for alert in dev.of_type(ALERT):
        condition = alert.inputs["conditions"][0]["conditionThreshold"]
        (aggregation,) = condition["aggregations"]
        _check_aggregation(
            value_types[_metric_type(condition["filter"])],
            aggregation["perSeriesAligner"],
            aggregation["crossSeriesReducer"],
        )


def test_rejected_rows_alert_judges_each_batch_on_its_own(dev: StackResult) -> None:
    condition = dev.one(ALERT, "orders-rejected-rows-alert").inputs["conditions"][0]["conditionThreshold"]
    assert condition["aggregations"] == [
        {
            "alignmentPeriod": "300s",
            "perSeriesAligner": "ALIGN_SUM",
            "crossSeriesReducer": "REDUCE_MEAN",
            "groupByFields": ["resource.label.batch_id"],
        }
    ]
