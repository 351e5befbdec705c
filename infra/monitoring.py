"""Log-based metrics read from the job's report line, a dashboard, and alerts on failed or dirty runs.

Dataproc Serverless writes the driver's stdout to Cloud Logging as entries of the monitored resource
`cloud_dataproc_batch`, log `dataproc.googleapis.com/output`, the line itself in `jsonPayload.message`. The
job prints exactly one report line per run (spark_jobs/report.py), a compact JSON object, so the metrics
select it by its event name and extract numbers from it with regular expressions built from the same field
names. The only native metric Google publishes for serverless batches is
`dataproc.googleapis.com/batch/spark/executors` (a gauge labelled by executor status); the dashboard charts
it next to the report metrics.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.config import MonitoringConfig, StackConfig
from infra.pipeline import batch_id_pattern
from infra.wait import PropagationWait
from spark_jobs import report

BATCH_RESOURCE = "cloud_dataproc_batch"
# The driver's log id, dataproc.googleapis.com/output, as a log name holds it: URL-encoded, "/" as %2F (the
# logName filter compares that text).
DRIVER_LOG = "dataproc.googleapis.com%2Foutput"
EXECUTORS_METRIC = "dataproc.googleapis.com/batch/spark/executors"
# Every alert and chart aligns its series over this period.
ALIGNMENT_PERIOD = "300s"
_BY_PIPELINE = f"metric.label.{report.PIPELINE}"
_BY_BATCH = "resource.label.batch_id"
_RUNS = "runs"
"""The counter metric's name after the stack's prefix; the distributions are named by their report field."""
REPORT_LINE = f'"{report.EVENT}": ?"{report.REPORT_EVENT}"'
"""Regex matching the report line and no other driver output."""


def _text_field(name: str) -> str:
    """Regex capturing a string field of the compact JSON report line."""
    return f'"{name}": ?"([^"]*)"'


def _number_field(name: str) -> str:
    """Regex capturing a numeric field of the compact JSON report line."""
    return f'"{name}": ?([0-9]+(?:\\.[0-9]+)?)'


def _metric_name(config: StackConfig, field: str) -> str:
    """A log-based metric's name: the stack's prefix, then the report field (or `runs`) it counts."""
    return f"{config.name_prefix}/{field}"


def _stack_batch_ids(config: StackConfig) -> str:
    """An RE2 pattern for the ids of this stack's batches (they name the stack and a pipeline)."""
    return batch_id_pattern(config.stack, [pipeline.name for pipeline in config.pipelines])


def report_filter(config: StackConfig) -> str:
    """Selects the report lines of this stack's batches."""
    return " AND ".join(
        [
            f'resource.type="{BATCH_RESOURCE}"',
            f'logName="projects/{config.project_id}/logs/{DRIVER_LOG}"',
            f"resource.labels.batch_id=~{json.dumps(_stack_batch_ids(config))}",
            f"jsonPayload.message=~{json.dumps(REPORT_LINE)}",
        ]
    )


def _extract(pattern: str) -> str:
    return f"REGEXP_EXTRACT(jsonPayload.message, {json.dumps(pattern)})"


@dataclass(frozen=True)
class _Distribution:
    """A log-based distribution metric over one numeric field of the report."""

    field: str
    unit: str
    description: str


_DISTRIBUTIONS = (
    _Distribution(report.ROWS_READ, "1", "Rows read by one run"),
    _Distribution(report.ROWS_LOADED, "1", "Rows loaded into BigQuery by one run"),
    _Distribution(report.ROWS_REJECTED, "1", "Rows one run rejected (quarantined unless it failed first)"),
    _Distribution(report.DURATION_SECONDS, "s", "Duration of one run"),
)


def _pipeline_label() -> gcp.logging.MetricMetricDescriptorLabelArgs:
    return gcp.logging.MetricMetricDescriptorLabelArgs(
        key=report.PIPELINE, value_type="STRING", description="Pipeline name"
    )


def _user_metric(metric: gcp.logging.Metric) -> pulumi.Output[str]:
    return pulumi.Output.concat("logging.googleapis.com/user/", metric.name)


def _batch_metric(metric_type: str) -> str:
    """A monitoring filter selecting `metric_type`'s series of Dataproc batches."""
    return f'metric.type="{metric_type}" AND resource.type="{BATCH_RESOURCE}"'


def _pipeline_series(metric_type: pulumi.Output[str], table: str) -> pulumi.Output[str]:
    """A monitoring filter selecting the series of `metric_type` that a pipeline's batches report (its
    pipeline label is the table the job reports)."""
    return metric_type.apply(lambda metric: f'{_batch_metric(metric)} AND {_BY_PIPELINE}="{table}"')


class Monitoring(pulumi.ComponentResource):
    """Metrics, dashboard and alert policies for every pipeline of the stack."""

    dashboard: gcp.monitoring.Dashboard
    dashboard_url: pulumi.Output[str]
    metrics: list[gcp.logging.Metric]
    """The log-based metrics: a batch starts after them, since a metric counts only the entries logged after
    it exists (or after its filter names the batch): Cloud Logging does not backfill."""

    def __init__(
        self,
        name: str,
        config: StackConfig,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        runs, distributions = self._log_metrics(config, child)
        metrics = self.metrics = [runs, *distributions.values()]
        after_metrics = pulumi.ResourceOptions(parent=self, depends_on=[*depends_on, *metrics])
        # An alert on a metric created moments ago fails with "Cannot find metric(s)": let it propagate.
        metrics_known = PropagationWait(
            "metric-propagation",
            config.metric_propagation_seconds,
            config.project_id,
            [_metric_name(config, field) for field in (_RUNS, *distributions)],
            opts=after_metrics,
        )
        after_metrics_known = pulumi.ResourceOptions(parent=self, depends_on=[*depends_on, metrics_known])
        self.dashboard = self._dashboard(config, runs, distributions, after_metrics)
        self.dashboard_url = self.dashboard.id.apply(
            lambda dashboard_id: (
                "https://console.cloud.google.com/monitoring/dashboards/builder/"
                f"{dashboard_id.split('/')[-1]}?project={config.project_id}"
            )
        )
        channels = self._notification_channels(config, child)
        failed_runs = _user_metric(runs).apply(
            lambda t: f'{_batch_metric(t)} AND metric.label.{report.STATUS}="{report.STATUS_FAILED}"'
        )
        self._alert(
            name="failed-runs-alert",
            config=config,
            title=f"Pipeline run failed ({config.stack})",
            metric_filter=failed_runs,
            threshold=0,
            # The runs counter is numeric: its failed runs are summed, per batch. Each failed batch opens an
            # incident of its own: one per pipeline would stay open for half an hour, and a second failure of
            # the pipeline meanwhile would notify no one.
            cross_series_reducer="REDUCE_SUM",
            group_by=_BY_BATCH,
            runbook="A batch reported status FAILED. Open it from the stack output batch_console_urls "
            "and read its driver log.",
            channels=channels,
            opts=after_metrics_known,
        )
        self._rejected_rows_alerts(config, distributions[report.ROWS_REJECTED], channels, after_metrics_known)
        self.register_outputs({"dashboard_url": self.dashboard_url})

    def _rejected_rows_alerts(
        self,
        config: StackConfig,
        rejected_rows: gcp.logging.Metric,
        channels: list[pulumi.Output[str]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        """One alert per pipeline, at its own `rejectedRowsThreshold` or the stack's: the metric's pipeline
        label is the pipeline's table, as the job reports. One alert per pipeline, rather than the stack's
        leaving out the pipelines with their own, keeps each filter within Cloud Monitoring's 2,048
        characters whatever the number of pipelines, and names the pipeline in its incidents. The title
        names the pipeline by its name (at most 20 characters): a table's may pass the 512 characters of an
        alert policy's title."""
        for pipeline in config.pipelines:
            table, own = pipeline.contract.table, pipeline.rejected_rows_threshold
            threshold, whose = (
                (config.monitoring.rejected_rows_threshold, "the stack's")
                if own is None
                else (own, "its own")
            )
            self._alert(
                name=f"{table}-rejected-rows-alert",
                config=config,
                title=f"Pipeline rejected rows: {pipeline.name} ({config.stack})",
                metric_filter=_pipeline_series(_user_metric(rejected_rows), table),
                threshold=threshold,
                # A distribution, summed per series (ALIGN_SUM keeps a distribution), which REDUCE_MEAN turns
                # into the exact mean of its values: per batch, the count the run reported.
                cross_series_reducer="REDUCE_MEAN",
                group_by=_BY_BATCH,
                runbook=f"A run of pipeline {pipeline.name} (table {table}) rejected more rows than {whose} "
                "rejectedRowsThreshold. The rows and their reasons are in the "
                f"`{pipeline.contract.quarantine_table}` table, unless the run failed before it wrote them "
                "there: a failed-run alert then says why.",
                channels=channels,
                opts=opts,
            )

    def _log_metrics(
        self, config: StackConfig, opts: pulumi.ResourceOptions
    ) -> tuple[gcp.logging.Metric, dict[str, gcp.logging.Metric]]:
        """The runs counter (by pipeline and outcome) and one distribution per numeric report field."""
        selector = report_filter(config)
        runs = gcp.logging.Metric(
            "runs-metric",
            project=config.project_id,
            name=_metric_name(config, _RUNS),
            description="Pipeline runs, one per report line, by pipeline and outcome",
            filter=selector,
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA",
                value_type="INT64",
                unit="1",
                labels=[
                    _pipeline_label(),
                    gcp.logging.MetricMetricDescriptorLabelArgs(
                        key=report.STATUS, value_type="STRING", description="SUCCEEDED or FAILED"
                    ),
                ],
            ),
            label_extractors={
                report.PIPELINE: _extract(_text_field(report.PIPELINE)),
                report.STATUS: _extract(_text_field(report.STATUS)),
            },
            opts=opts,
        )
        distributions = {
            spec.field: gcp.logging.Metric(
                f"{spec.field.replace('_', '-')}-metric",
                project=config.project_id,
                name=_metric_name(config, spec.field),
                description=spec.description,
                filter=selector,
                metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                    metric_kind="DELTA", value_type="DISTRIBUTION", unit=spec.unit, labels=[_pipeline_label()]
                ),
                value_extractor=_extract(_number_field(spec.field)),
                label_extractors={report.PIPELINE: _extract(_text_field(report.PIPELINE))},
                bucket_options=gcp.logging.MetricBucketOptionsArgs(
                    exponential_buckets=gcp.logging.MetricBucketOptionsExponentialBucketsArgs(
                        num_finite_buckets=32, growth_factor=2, scale=1
                    )
                ),
                opts=opts,
            )
            for spec in _DISTRIBUTIONS
        }
        return runs, distributions

    def _dashboard(
        self,
        config: StackConfig,
        runs: gcp.logging.Metric,
        distributions: dict[str, gcp.logging.Metric],
        opts: pulumi.ResourceOptions,
    ) -> gcp.monitoring.Dashboard:
        return gcp.monitoring.Dashboard(
            "dashboard",
            project=config.project_id,
            dashboard_json=pulumi.Output.all(
                runs=_user_metric(runs),
                duration=_user_metric(distributions[report.DURATION_SECONDS]),
                loaded=_user_metric(distributions[report.ROWS_LOADED]),
                rejected=_user_metric(distributions[report.ROWS_REJECTED]),
            ).apply(lambda types: json.dumps(_dashboard_layout(config, types))),
            opts=opts,
        )

    def _notification_channels(
        self, config: StackConfig, opts: pulumi.ResourceOptions
    ) -> list[pulumi.Output[str]]:
        """The email channel, when alertEmail is set: the alerts notify no one otherwise."""
        if not config.monitoring.alert_email:
            return []
        channel = gcp.monitoring.NotificationChannel(
            "alert-email",
            project=config.project_id,
            display_name=f"Pipeline alerts ({config.stack})",
            type="email",
            labels={"email_address": _email(config.monitoring)},
            user_labels=dict(config.labels),
            opts=opts,
        )
        return [channel.name]

    def _alert(
        self,
        *,
        name: str,
        config: StackConfig,
        title: str,
        metric_filter: pulumi.Input[str],
        threshold: int,
        cross_series_reducer: str,
        group_by: str,
        runbook: str,
        channels: list[pulumi.Output[str]],
        opts: pulumi.ResourceOptions,
    ) -> gcp.monitoring.AlertPolicy:
        """An alert on a report metric: each series summed over the alignment period, then the series reduced
        with `cross_series_reducer` by `group_by`, which must suit the metric's kind (google/monitoring/v3/
        common.proto)."""
        return gcp.monitoring.AlertPolicy(
            name,
            project=config.project_id,
            display_name=title,
            combiner="OR",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=title,
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=metric_filter,
                        comparison="COMPARISON_GT",
                        threshold_value=threshold,
                        duration="0s",
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                alignment_period=ALIGNMENT_PERIOD,
                                per_series_aligner="ALIGN_SUM",
                                cross_series_reducer=cross_series_reducer,
                                group_by_fields=[group_by],
                            )
                        ],
                    ),
                )
            ],
            documentation=gcp.monitoring.AlertPolicyDocumentationArgs(
                content=runbook, mime_type="text/markdown"
            ),
            notification_channels=channels,
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close="1800s"),
            user_labels=dict(config.labels),
            opts=opts,
        )


def _email(monitoring: MonitoringConfig) -> pulumi.Input[str]:
    assert monitoring.alert_email is not None, "a channel is declared only for an address"
    return (
        pulumi.Output.secret(monitoring.alert_email)
        if monitoring.alert_email_is_secret
        else monitoring.alert_email
    )


def _chart(title: str, data_sets: list[dict[str, object]]) -> dict[str, object]:
    return {"title": title, "xyChart": {"dataSets": data_sets, "chartOptions": {"mode": "COLOR"}}}


def _series(metric_filter: str, aligner: str, reducer: str, group_by: list[str]) -> dict[str, object]:
    return {
        "timeSeriesQuery": {
            "timeSeriesFilter": {
                "filter": metric_filter,
                "aggregation": {
                    "alignmentPeriod": ALIGNMENT_PERIOD,
                    "perSeriesAligner": aligner,
                    "crossSeriesReducer": reducer,
                    "groupByFields": group_by,
                },
            }
        },
        "plotType": "LINE",
    }


def _dashboard_layout(config: StackConfig, metric_types: dict[str, str]) -> dict[str, object]:
    """Runs by outcome, run duration, rows loaded vs rejected, executors; below them, the report lines."""

    def user(metric: str) -> str:
        return _batch_metric(metric_types[metric])

    stack_batches = json.dumps(_stack_batch_ids(config))

    def per_run(metric: str) -> dict[str, object]:
        return _series(user(metric), "ALIGN_SUM", "REDUCE_MEAN", [_BY_PIPELINE])

    charts = [
        _chart(
            "Runs by outcome",
            [
                _series(
                    user("runs"), "ALIGN_SUM", "REDUCE_SUM", [_BY_PIPELINE, f"metric.label.{report.STATUS}"]
                )
            ],
        ),
        _chart("Run duration (s, mean per run)", [per_run("duration")]),
        _chart("Rows loaded vs rejected (mean per run)", [per_run("loaded"), per_run("rejected")]),
        _chart(
            "Spark executors",
            [
                _series(
                    # This stack's batches only, as the report metrics select them.
                    f"{_batch_metric(EXECUTORS_METRIC)} AND "
                    f"resource.labels.batch_id = monitoring.regex.full_match({stack_batches})",
                    "ALIGN_MEAN",
                    "REDUCE_SUM",
                    ["metric.label.status"],
                )
            ],
        ),
    ]
    # What no chart can show, since a log-based metric cannot split the report's map of counts into series:
    # each run's rejections by rule, read from its report line.
    report_lines: dict[str, object] = {
        "title": "Report lines (rejections by rule, input files, error of each run)",
        "logsPanel": {"filter": report_filter(config)},
    }
    chart_rows = (len(charts) + 1) // 2
    return {
        "displayName": f"Pipelines ({config.stack})",
        "mosaicLayout": {
            "columns": _COLUMNS,
            "tiles": [
                *[
                    _tile(index % 2 * _CHART_WIDTH, index // 2 * _HEIGHT, _CHART_WIDTH, widget)
                    for index, widget in enumerate(charts)
                ],
                _tile(0, chart_rows * _HEIGHT, _COLUMNS, report_lines),
            ],
        },
    }


_COLUMNS = 12
_CHART_WIDTH = _COLUMNS // 2
_HEIGHT = 4


def _tile(x: int, y: int, width: int, widget: dict[str, object]) -> dict[str, object]:
    """The widget at grid column `x`, row `y`. A zero position is left out: the Monitoring API does not store
    it, and a position sent but not read back would show as a change on every preview."""
    position = {"xPos": x, "yPos": y}
    return {
        **{key: value for key, value in position.items() if value},
        "width": width,
        "height": _HEIGHT,
        "widget": widget,
    }
