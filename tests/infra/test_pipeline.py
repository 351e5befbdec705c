"""Template upload, the Dataproc batch, and when a new batch runs (under mocks)."""

from __future__ import annotations

import io
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pulumi
import pytest

from infra import template
from infra.pipeline import batch_id
from spark_jobs.cli import parse_args
from tests.infra.harness import ROOT, DeclaredResource, StackResult, events_pipeline, run_stack

BATCH = "gcp:dataproc/batch:Batch"
OBJECT = "gcp:storage/bucketObject:BucketObject"
BATCH_ID = re.compile(r"^[a-z0-9-]{4,63}$")


def _batch(stack: StackResult, pipeline: str = "orders") -> DeclaredResource:
    return stack.one(BATCH, f"{pipeline}-batch")


def test_template_and_contract_uploaded_to_the_code_bucket(dev: StackResult) -> None:
    objects = {r.name: r for r in dev.of_type(OBJECT)}
    assert set(objects) == {"entry-script", "package-zip", "orders-contract"}
    assert {o.inputs["bucket"] for o in objects.values()} == {"my-pipeline-dev-dev-code"}
    assert re.fullmatch(r"jobs/[0-9a-f]{16}/main\.py", objects["entry-script"].inputs["name"])
    assert re.fullmatch(r"jobs/[0-9a-f]{16}/spark_jobs\.zip", objects["package-zip"].inputs["name"])
    assert re.fullmatch(r"contracts/[0-9a-f]{16}/orders\.yaml", objects["orders-contract"].inputs["name"])
    assert objects["orders-contract"].options.parent == "pipeline-orders"
    assert objects["entry-script"].options.parent == "template"


def test_uploads_name_their_files_relative_to_the_project_and_are_replaced_safely(dev: StackResult) -> None:
    """The state keeps each file's path: an absolute one would replace every object on a deploy from another
    checkout, and a replaced object keeps its name, so it must be deleted before it is uploaded again."""
    objects = dev.of_type(OBJECT)
    paths = {r.name: r.inputs["source"].path for r in objects}
    assert paths["entry-script"] == "spark_jobs/main.py"
    assert paths["orders-contract"] == "spark_jobs/contracts/orders.yaml"
    assert re.fullmatch(r"build/spark_jobs-[0-9a-f]{16}\.zip", paths["package-zip"])
    assert all((ROOT / path).is_file() for path in paths.values())
    assert {r.name: r.options.delete_before_replace for r in objects} == dict.fromkeys(paths, True)


def test_batch_runs_the_template_with_its_arguments(dev: StackResult) -> None:
    batch = _batch(dev)
    objects = {r.name: r.inputs["name"] for r in dev.of_type(OBJECT)}
    code = "gs://my-pipeline-dev-dev-code/"
    job = batch.inputs["pysparkBatch"]
    assert job["mainPythonFileUri"] == code + objects["entry-script"]
    assert job["pythonFileUris"] == [code + objects["package-zip"]]
    # The contract is read by its URI: Dataproc places file_uris only in the executors' working directories.
    assert "fileUris" not in job
    assert "jarFileUris" not in job
    assert job["args"] == [
        "--input-format", "csv",
        "--input-location", "gs://my-pipeline-dev-dev-raw/orders/",
        "--contract", code + objects["orders-contract"],
        "--sink", "bigquery",
        "--output-table", "pipeline.orders",
        "--temp-bucket", "my-pipeline-dev-dev-temp",
        "--write-mode", "append",
        "--max-reject-ratio", "0.5",
        "--batch-id", batch.inputs["batchId"],
    ]  # fmt: skip
    assert batch.inputs["location"] == "europe-west1"
    assert batch.inputs["labels"]["pipeline"] == "orders"


def test_the_reject_ratio_reaches_the_job_exactly() -> None:
    pipeline = {
        "name": "orders",
        "contract": "spark_jobs/contracts/orders.yaml",
        "inputFormat": "csv",
        "maxRejectRatio": 0.125,
    }
    args = _batch(run_stack("dev", {"pipelines": [pipeline]})).inputs["pysparkBatch"]["args"]
    assert args[args.index("--max-reject-ratio") + 1] == "0.125"


@pytest.mark.parametrize("ratio", ["-0", -0.0, "0.0", "0e5", 0])
def test_a_ratio_of_zero_however_written_is_the_default_batch(ratio: object) -> None:
    """Writing out a default changes nothing: not the job's argument, not the batch id."""
    orders = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}
    default = _batch(run_stack("dev", {"pipelines": [orders]}))
    written = _batch(run_stack("dev", {"pipelines": [{**orders, "maxRejectRatio": ratio}]}))
    assert written.inputs == default.inputs
    args = written.inputs["pysparkBatch"]["args"]
    assert args[args.index("--max-reject-ratio") + 1] == "0.0"


def test_batch_runtime_and_execution_config(dev: StackResult) -> None:
    batch = _batch(dev)
    assert batch.inputs["runtimeConfig"] == {
        "version": "2.3",
        "properties": {
            "spark.dynamicAllocation.enabled": "true",
            "spark.dynamicAllocation.minExecutors": "2",
            "spark.dynamicAllocation.maxExecutors": "10",
            "spark.executor.cores": "4",
            "spark.driver.cores": "4",
        },
    }
    assert batch.inputs["environmentConfig"] == {
        "executionConfig": {
            "serviceAccount": "pl-dev-runner@my-pipeline-dev.iam.gserviceaccount.com",
            "subnetworkUri": "subnet-id",
            "stagingBucket": "my-pipeline-dev-dev-staging",
            "ttl": "7200s",
        }
    }


def test_batch_waits_for_grants_tables_and_code_with_a_long_timeout(dev: StackResult) -> None:
    batch = _batch(dev)
    assert batch.options.custom_timeouts == {"create": "150m", "update": None, "delete": None}
    assert batch.options.delete_before_replace is True
    assert batch.options.parent == "pipeline-orders"
    assert set(batch.options.depends_on) >= {
        "api-propagation",
        "iam-propagation",
        "dataset",
        "orders-table",
        "orders-rejected",
        "allow-internal",
        "entry-script",
        "package-zip",
        "orders-contract",
        # The report of its run is counted only by metrics that exist (and name it) before it is logged.
        *(metric.name for metric in dev.of_type("gcp:logging/metric:Metric")),
    }


def test_outputs_name_batches_and_console_urls(dev: StackResult) -> None:
    batch_id_value = _batch(dev).inputs["batchId"]
    assert dev.outputs["batch_ids"] == {"orders": batch_id_value}
    assert dev.outputs["batch_console_urls"] == {
        "orders": "https://console.cloud.google.com/dataproc/batches/europe-west1/"
        f"{batch_id_value}/summary?project=my-pipeline-dev"
    }


def test_runtime_3_authenticates_as_the_service_account_with_kms() -> None:
    key = "projects/security-project/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
    batch = _batch(run_stack("dev", {"runtimeVersion": "3.0", "kmsKey": key, "batchTimeoutMinutes": 300}))
    execution = batch.inputs["environmentConfig"]["executionConfig"]
    assert execution["authenticationConfig"] == {"userWorkloadAuthenticationType": "SERVICE_ACCOUNT"}
    assert execution["kmsKey"] == key
    assert {"kms-propagation", "iam-propagation"} <= set(batch.options.depends_on)
    assert batch.inputs["runtimeConfig"]["version"] == "3.0"
    assert batch.options.custom_timeouts == {"create": "300m", "update": None, "delete": None}


def test_unchanged_stack_keeps_its_batch_id(dev: StackResult) -> None:
    assert _batch(run_stack("dev")).inputs["batchId"] == _batch(dev).inputs["batchId"]


@pytest.mark.parametrize(
    "change",
    [
        {"runToken": "2"},
        {"maxExecutors": 20},
        {"batchTtlMinutes": 60, "batchTimeoutMinutes": 70},
        {"runtimeVersion": "2.2"},
        {"kmsKey": "projects/keys-project/locations/europe-west1/keyRings/r/cryptoKeys/c"},
        {"subnetCidr": "10.11.0.0/24"},
        {
            "pipelines": [
                {
                    "name": "orders",
                    "contract": "spark_jobs/contracts/orders.yaml",
                    "inputFormat": "csv",
                    "writeMode": "overwrite",
                    "maxRejectRatio": 0.1,
                }
            ]
        },
    ],
)
def test_changed_arguments_or_run_token_run_a_new_batch(dev: StackResult, change: dict[str, object]) -> None:
    changed = _batch(run_stack("dev", change)).inputs["batchId"]
    assert BATCH_ID.match(changed)
    assert changed != _batch(dev).inputs["batchId"]


def test_another_existing_subnetwork_runs_a_new_batch() -> None:
    """The batch runs in the subnetwork: moving it there is a new run, as a new subnetCidr is."""

    def batch_id(subnetwork: str) -> str:
        network = {
            "existingNetwork": "projects/shared/global/networks/corp",
            "existingSubnetwork": f"projects/shared/regions/europe-west1/subnetworks/{subnetwork}",
        }
        return str(_batch(run_stack("dev", network)).inputs["batchId"])

    assert batch_id("data") == batch_id("data") != batch_id("data-2")


def test_changed_contract_runs_a_new_batch(dev: StackResult, tmp_path: Path) -> None:
    contract = tmp_path / "orders.yaml"
    original = (ROOT / "spark_jobs/contracts/orders.yaml").read_text(encoding="utf-8")
    pipeline = {"name": "orders", "contract": str(contract), "inputFormat": "csv", "maxRejectRatio": 0.5}
    contract.write_text(original, encoding="utf-8")
    same = _batch(run_stack("dev", {"pipelines": [pipeline]})).inputs["batchId"]
    contract.write_text(original.replace("one row per order", "one row per customer order"), encoding="utf-8")
    changed = _batch(run_stack("dev", {"pipelines": [pipeline]})).inputs["batchId"]
    assert same == _batch(dev).inputs["batchId"]
    assert changed != same


def test_a_pipelines_run_token_runs_that_pipeline_again_and_no_other(
    dev: StackResult, tmp_path: Path
) -> None:
    orders: dict[str, object] = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml"}
    orders |= {"inputFormat": "csv", "inputPrefix": "orders/", "writeMode": "append", "maxRejectRatio": 0.5}
    events = events_pipeline(tmp_path)

    def batch_ids(orders_token: object = None, events_token: object = None) -> tuple[str, str]:
        tokens = [{} if token is None else {"runToken": token} for token in (orders_token, events_token)]
        stack = run_stack("dev", {"pipelines": [orders | tokens[0], events | tokens[1]]})
        return _batch(stack, "orders").inputs["batchId"], _batch(stack, "events").inputs["batchId"]

    unset = batch_ids()
    # Ids of pipelines that set no token are those they had before the key existed.
    assert unset[0] == _batch(dev).inputs["batchId"]
    assert batch_ids(orders_token="") == unset
    orders_rerun = batch_ids(orders_token=2)
    assert orders_rerun[0] != unset[0] and BATCH_ID.match(orders_rerun[0])
    assert orders_rerun[1] == unset[1]
    # `pulumi config set --path` stores 2 as a number, a hand-edited file may quote it: the same token.
    assert batch_ids(orders_token="2") == orders_rerun
    events_rerun = batch_ids(events_token="retry-1")
    assert events_rerun[0] == unset[0] and events_rerun[1] != unset[1]


def test_network_tags_reach_the_batch_and_run_it_again_only_when_set(dev: StackResult) -> None:
    tagged = _batch(run_stack("dev", {"networkTags": ["dataproc", "egress-via-proxy"]}))
    untagged = _batch(run_stack("dev", {"networkTags": []}))
    execution = tagged.inputs["environmentConfig"]["executionConfig"]
    assert execution["networkTags"] == ["dataproc", "egress-via-proxy"]
    assert "networkTags" not in _batch(dev).inputs["environmentConfig"]["executionConfig"]
    assert untagged.inputs["batchId"] == _batch(dev).inputs["batchId"]
    assert tagged.inputs["batchId"] != _batch(dev).inputs["batchId"]


def test_network_tags_make_the_internal_rule_open_only_the_batches_vms(dev: StackResult) -> None:
    """On a subnet that other VMs share, the rule would open them to the whole subnet on every port too."""
    shared = {
        "existingNetwork": "projects/host-proj/global/networks/corp",
        "existingSubnetwork": "projects/host-proj/regions/europe-west1/subnetworks/data",
        "networkTags": ["spark", "etl"],
    }
    rule = run_stack("dev", shared).one("gcp:compute/firewall:Firewall", "allow-internal")
    assert rule.inputs["targetTags"] == ["etl", "spark"]
    assert "targetTags" not in dev.one("gcp:compute/firewall:Firewall", "allow-internal").inputs


def test_a_pipelines_own_executor_bounds_size_its_batch_alone(dev: StackResult, tmp_path: Path) -> None:
    refunds = tmp_path / "refunds.yaml"
    refunds.write_text("table: refunds\ncolumns:\n  - {name: refund_id, type: STRING}\n", encoding="utf-8")
    orders: dict[str, object] = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml"}
    orders |= {"inputFormat": "csv", "maxRejectRatio": 0.5}

    def batches(**bounds: int) -> tuple[DeclaredResource, DeclaredResource]:
        others = {"name": "refunds", "contract": str(refunds), "inputFormat": "csv"}
        stack = run_stack("dev", {"pipelines": [orders | bounds, others]})
        return _batch(stack), _batch(stack, "refunds")

    def executors(batch: DeclaredResource) -> tuple[str, str]:
        properties = batch.inputs["runtimeConfig"]["properties"]
        return properties["spark.dynamicAllocation.minExecutors"], properties[
            "spark.dynamicAllocation.maxExecutors"
        ]

    big, others = batches(minExecutors=4, maxExecutors=200)
    assert executors(big) == ("4", "200")
    assert executors(others) == ("2", "10")
    assert big.inputs["batchId"] != _batch(dev).inputs["batchId"]
    # The stack's bounds written out again, or none: the batch and its id stay as they were.
    same, unchanged_others = batches(maxExecutors=10)
    assert same.inputs == _batch(dev).inputs
    assert unchanged_others.inputs["batchId"] == others.inputs["batchId"]


def test_spark_properties_reach_the_batch_and_run_it_again_only_when_set(dev: StackResult) -> None:
    configured = _batch(run_stack("dev", {"sparkProperties": {"spark.executor.memory": "8g"}}))
    unset = _batch(run_stack("dev", {"sparkProperties": {}}))
    assert configured.inputs["runtimeConfig"]["properties"]["spark.executor.memory"] == "8g"
    assert configured.inputs["runtimeConfig"]["properties"]["spark.executor.cores"] == "4"
    assert unset.inputs["batchId"] == _batch(dev).inputs["batchId"]
    assert configured.inputs["batchId"] != _batch(dev).inputs["batchId"]


def _batch_id(stack: str, pipeline: str, code_digest: str) -> str:
    return batch_id(
        stack,
        pipeline,
        template_digest=code_digest,
        contract=b"table: t",
        arguments=["--sink", "bigquery"],
        settings={},
        run_token="1",
    )


def test_batch_id_changes_with_the_code_digest_and_fits_dataproc_rules() -> None:
    first = _batch_id("dev", "orders", "a" * 64)
    second = _batch_id("dev", "orders", "b" * 64)
    longest = _batch_id("a" * 15, "b" * 20, "c" * 64)
    assert first != second
    assert first.startswith("dev-orders-")
    for value in (first, second, longest):
        assert BATCH_ID.match(value), value


def _copy_template(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "spark_jobs", root / "spark_jobs", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "spark_jobs" / "__pycache__").mkdir()
    (root / "spark_jobs" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"compiled")
    return root


def test_package_zip_is_deterministic_and_holds_only_the_package_sources(tmp_path: Path) -> None:
    root = _copy_template(tmp_path)
    first = template.build(root, tmp_path / "build1")
    (root / "spark_jobs" / "main.py").touch()  # a new mtime must not change the archive
    second = template.build(root, tmp_path / "build2")
    assert first.digest == second.digest
    assert first.package_zip.read_bytes() == second.package_zip.read_bytes()
    with zipfile.ZipFile(first.package_zip) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert all(name.startswith("spark_jobs/") and name.endswith(".py") for name in names)
        assert "spark_jobs/contract.py" in names
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize(
    "junk",
    [
        "job.orig.py",
        ".#job.py",
        ".ipynb_checkpoints/job-checkpoint.py",
        "samples/my-script.py",
        "__pycache__/x.py",
    ],
)
def test_package_zip_leaves_out_files_python_could_not_import(tmp_path: Path, junk: str) -> None:
    """An editor's or a notebook's leftovers must not change the package, and run the batches again."""
    root = _copy_template(tmp_path)
    clean = template.package_zip_bytes(root)
    (root / "spark_jobs" / junk).parent.mkdir(parents=True, exist_ok=True)
    (root / "spark_jobs" / junk).write_text("print('leftover')\n")
    assert template.package_zip_bytes(root) == clean


def test_a_package_source_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    root = _copy_template(tmp_path)
    (root / "spark_jobs" / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    with pytest.raises(template.TemplateError) as caught:
        template.package_zip_bytes(root)
    assert str(caught.value) == (
        f"{root}/spark_jobs/dangling.py: cannot be read for the batches' package: No such file or directory"
    )


def test_package_zip_is_the_same_whatever_the_machine_building_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deploy from a laptop after CI must not run the batches again: no byte depends on the platform."""
    root = _copy_template(tmp_path)
    here = template.package_zip_bytes(root)
    monkeypatch.setattr(sys, "platform", "win32")  # zipfile records the system it runs on
    assert template.package_zip_bytes(root) == here
    with zipfile.ZipFile(io.BytesIO(here)) as archive:
        # Stored, not deflated: a deflate library's output differs between builds.
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert {info.create_system for info in archive.infolist()} == {3}


def test_a_package_zip_left_truncated_is_built_again(tmp_path: Path) -> None:
    """An interrupted build must not leave a zip that the next `pulumi up` uploads under the same digest."""
    root = _copy_template(tmp_path)
    built = template.build(root, tmp_path / "build")
    whole = built.package_zip.read_bytes()
    built.package_zip.write_bytes(whole[: len(whole) // 2])
    assert template.build(root, tmp_path / "build").package_zip.read_bytes() == whole
    assert [path.name for path in (tmp_path / "build").iterdir()] == [built.package_zip.name]


def test_code_change_changes_the_template_digest(tmp_path: Path) -> None:
    root = _copy_template(tmp_path)
    before = template.build(root, tmp_path / "build").digest
    with (root / "spark_jobs" / "report.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert template.build(root, tmp_path / "build").digest != before


def test_missing_entry_script_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        template.TemplateError, match=r"spark_jobs/main\.py: the Spark template's entry script"
    ) as caught:
        template.build(tmp_path, tmp_path / "build")
    assert isinstance(caught.value, pulumi.RunError)  # the CLI shows the message without a traceback


def test_run_batches_off_declares_tables_but_no_batch_or_upload() -> None:
    stack = run_stack("dev", {"runBatches": False})
    assert stack.of_type(BATCH) == []
    assert stack.of_type(OBJECT) == []
    assert stack.one("gcp:bigquery/table:Table", "orders-table").inputs["tableId"] == "orders"
    assert "batch_ids" not in stack.outputs


def test_batch_arguments_parse_with_the_templates_own_command_line(dev: StackResult) -> None:
    batch = _batch(dev)
    job = parse_args(batch.inputs["pysparkBatch"]["args"])
    assert job.input_format == "csv"
    assert job.input_location == "gs://my-pipeline-dev-dev-raw/orders/"
    contract = dev.one(OBJECT, "orders-contract").inputs["name"]
    assert job.contract_path == f"gs://my-pipeline-dev-dev-code/{contract}"
    assert job.output_table == "pipeline.orders"
    assert job.temp_bucket == "my-pipeline-dev-dev-temp"
    assert job.max_reject_ratio == 0.5
    assert job.csv.delimiter == ","
    assert job.batch_id == batch.inputs["batchId"]


def test_a_csv_delimiter_reaches_the_job_and_runs_a_new_batch_only_when_not_the_comma(
    dev: StackResult,
) -> None:
    orders: dict[str, object] = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml"}
    orders |= {"inputFormat": "csv", "maxRejectRatio": 0.5}

    def batch(**delimiter: str) -> DeclaredResource:
        return _batch(run_stack("dev", {"pipelines": [orders | delimiter]}))

    tab = batch(csvDelimiter="\t")
    args = tab.inputs["pysparkBatch"]["args"]
    assert args[:4] == ["--input-format", "csv", "--csv-delimiter", "\t"]
    job = parse_args(args)
    assert (job.input_format, job.csv.delimiter, job.batch_id) == ("csv", "\t", tab.inputs["batchId"])
    assert BATCH_ID.match(tab.inputs["batchId"]) and tab.inputs["batchId"] != _batch(dev).inputs["batchId"]
    # The comma is the default: set or not, the arguments and so the batch id are those of before the key.
    comma = batch(csvDelimiter=",")
    assert comma.inputs["pysparkBatch"]["args"] == _batch(dev).inputs["pysparkBatch"]["args"]
    assert "--csv-delimiter" not in comma.inputs["pysparkBatch"]["args"]
    assert parse_args(comma.inputs["pysparkBatch"]["args"]).csv.delimiter == ","
    assert comma.inputs["batchId"] == _batch(dev).inputs["batchId"]


def test_a_csv_encoding_reaches_the_job_and_runs_a_new_batch_only_when_not_utf8(dev: StackResult) -> None:
    orders: dict[str, object] = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml"}
    orders |= {"inputFormat": "csv", "maxRejectRatio": 0.5}
    latin = _batch(run_stack("dev", {"pipelines": [orders | {"csvEncoding": "ISO-8859-1"}]}))
    args = latin.inputs["pysparkBatch"]["args"]
    assert args[2:4] == ["--csv-encoding", "ISO-8859-1"]
    assert parse_args(args).csv.encoding == "ISO-8859-1"
    assert latin.inputs["batchId"] != _batch(dev).inputs["batchId"]
    utf8 = _batch(run_stack("dev", {"pipelines": [orders | {"csvEncoding": "UTF-8"}]}))
    assert utf8.inputs["pysparkBatch"]["args"] == _batch(dev).inputs["pysparkBatch"]["args"]
    assert utf8.inputs["batchId"] == _batch(dev).inputs["batchId"]


def test_csv_null_markers_reach_the_job_and_run_a_new_batch_only_when_set(dev: StackResult) -> None:
    orders: dict[str, object] = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml"}
    orders |= {"inputFormat": "csv", "maxRejectRatio": 0.5}

    def batch(**markers: list[str]) -> DeclaredResource:
        return _batch(run_stack("dev", {"pipelines": [orders | markers]}))

    marked = batch(csvNullMarkers=["\\N", "--x", ""])
    args = marked.inputs["pysparkBatch"]["args"]
    # Joined to the flag: a marker starting with -- would otherwise read as an option, an empty one be lost.
    assert args[2:5] == ["--csv-null-marker=\\N", "--csv-null-marker=--x", "--csv-null-marker="]
    job = parse_args(args)
    assert (job.csv.null_markers, job.batch_id) == (("\\N", "--x", ""), marked.inputs["batchId"])
    assert marked.inputs["batchId"] != _batch(dev).inputs["batchId"]
    none = batch(csvNullMarkers=[])
    assert none.inputs["pysparkBatch"]["args"] == _batch(dev).inputs["pysparkBatch"]["args"]
    assert none.inputs["batchId"] == _batch(dev).inputs["batchId"]


def _comparable(value: object) -> object:
    """A declared input as equal as what it sends: an uploaded file (whose asset object compares by
    identity) by its bytes."""
    if isinstance(value, pulumi.FileAsset):
        return Path(value.path).read_bytes()
    return value


def test_reordering_the_pipelines_changes_no_resource(tmp_path: Path) -> None:
    """Not even a filter of the monitoring, which name every pipeline (and those with their own alert)."""
    refunds = {**events_pipeline(tmp_path, "refunds"), "rejectedRowsThreshold": 5}
    orders = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}
    pipelines = [{**orders, "rejectedRowsThreshold": 1000}, refunds]
    first, reordered = (run_stack("dev", {"pipelines": order}) for order in (pipelines, pipelines[::-1]))

    def declared(stack: StackResult) -> dict[tuple[str, str], dict[str, object]]:
        return {(r.type, r.name): {k: _comparable(v) for k, v in r.inputs.items()} for r in stack.resources}

    assert len(first.resources) > 40
    assert declared(reordered) == declared(first)


def test_renaming_a_pipeline_keeps_its_tables_and_contract_object() -> None:
    """They are named after the contract's table: resources named after the pipeline would be replaced by new
    ones creating the same table (BigQuery refuses) and writing the same object (which the old one's
    deletion then removes). The batch is new: its id names the pipeline."""
    kept = ("gcp:bigquery/table:Table", OBJECT)

    def declared(name: str) -> tuple[set[tuple[str, str, object]], str]:
        pipeline = {"name": name, "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}
        stack = run_stack("dev", {"pipelines": [pipeline]})
        resources = {
            (r.type, r.name, r.inputs.get("tableId", r.inputs.get("name")))
            for r in stack.resources
            if r.type in kept
        }
        return resources, _batch(stack, name).inputs["batchId"]

    orders, orders_batch = declared("orders")
    sales, sales_batch = declared("sales")
    assert orders == sales
    assert {name for _, name, _ in orders} >= {"orders-table", "orders-rejected", "orders-contract"}
    assert orders_batch != sales_batch


def test_resources_named_after_the_pipeline_before_keep_their_state() -> None:
    """Earlier versions named the tables and the contract object after the pipeline: aliases keep them."""
    pipeline = {"name": "sales", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}
    stack = run_stack("dev", {"pipelines": [pipeline]})
    aliases = {r.name: r.options.aliases for r in stack.resources if r.name.startswith("orders-")}
    assert aliases == {
        "orders-table": ("sales-table",),
        "orders-rejected": ("sales-rejected",),
        "orders-contract": ("sales-contract",),
        "orders-rejected-rows-alert": (),  # named after the table already
    }
    unchanged = run_stack("dev", {"pipelines": [{**pipeline, "name": "orders"}]})
    assert {r.options.aliases for r in unchanged.resources if r.name.startswith("orders-")} == {()}


def test_no_alias_names_a_resource_the_program_declares(tmp_path: Path) -> None:
    """Pipeline `legacy` loads table `orders` while pipeline `orders` loads `orders_v2`: an alias of the
    latter's tables to `orders-table` would name the former's."""
    contract = tmp_path / "orders_v2.yaml"
    contract.write_text("table: orders_v2\ncolumns:\n  - {name: id, type: STRING}\n", encoding="utf-8")
    pipelines = [
        {"name": "legacy", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"},
        {"name": "orders", "contract": str(contract), "inputFormat": "csv", "inputPrefix": "v2/"},
    ]
    stack = run_stack("dev", {"pipelines": pipelines})
    aliases = {r.name: r.options.aliases for r in stack.resources if r.name.startswith("orders")}
    assert aliases == {
        "orders-table": ("legacy-table",),
        "orders-rejected": ("legacy-rejected",),
        "orders-contract": ("legacy-contract",),
        "orders_v2-table": (),
        "orders_v2-rejected": (),
        "orders_v2-contract": (),
        "orders-batch": (),
        "orders-rejected-rows-alert": (),
        "orders_v2-rejected-rows-alert": (),
    }
