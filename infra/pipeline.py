"""Per pipeline: upload its data contract, then run the uploaded template as a Dataproc Serverless batch.

Creating a Batch waits for the Spark run to finish, and every field of a Batch forces replacement. The batch
id is therefore a digest of everything the run depends on (code, contract, arguments, runtime settings, and
the stack's and the pipeline's `runToken`): an unchanged stack runs nothing, any change runs a new batch on
the next `pulumi up`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig
from infra.pipeline_config import PipelineConfig
from infra.renames import named_after_table
from infra.template import SHORT_DIGEST, UPLOAD_OPTIONS, TemplateObjects, uploaded_file
from spark_jobs.options import BIGQUERY

BATCH_ID_DIGEST_LENGTH = 12


def job_arguments(config: StackConfig, pipeline: PipelineConfig) -> list[str]:
    """The template's command line, without --batch-id (which is derived from these arguments)."""
    storage = config.storage
    return [
        "--input-format",
        pipeline.input_format,
        *pipeline.csv.arguments(),
        "--input-location",
        f"gs://{storage.bucket_name('raw')}/{pipeline.input_prefix}",
        "--contract",
        f"gs://{storage.bucket_name('code')}/{contract_object_name(pipeline)}",
        "--sink",
        BIGQUERY,
        "--output-table",
        f"{config.warehouse.dataset_id}.{pipeline.contract.table}",
        "--temp-bucket",
        storage.bucket_name("temp"),
        "--write-mode",
        pipeline.write_mode,
        "--max-reject-ratio",
        repr(pipeline.max_reject_ratio),
    ]


def contract_object_name(pipeline: PipelineConfig) -> str:
    """Where the pipeline's contract is uploaded in the code bucket: named by its content, so that a batch
    always reads the contract it was declared with."""
    digest = hashlib.sha256(pipeline.contract_path.read_bytes()).hexdigest()[:SHORT_DIGEST]
    return f"contracts/{digest}/{pipeline.contract_path.name}"


def batch_id(
    stack: str,
    pipeline: str,
    *,
    template_digest: str,
    contract: bytes,
    arguments: Sequence[str],
    settings: Mapping[str, object],
    run_token: str,
    pipeline_run_token: str = "",
) -> str:
    """`<stack>-<pipeline>-<digest>`: 4-63 lowercase letters, digits and hyphens, as Dataproc requires.

    The stack's `run_token` re-runs every pipeline, the `pipeline_run_token` this one only; the latter is
    part of the digest only when set, so that the ids of pipelines that set none stay as they were.
    """
    material: dict[str, object] = {
        "template": template_digest,
        "contract": hashlib.sha256(contract).hexdigest(),
        "arguments": list(arguments),
        "settings": settings,
        "run_token": run_token,
    }
    if pipeline_run_token:
        material["pipeline_run_token"] = pipeline_run_token
    serialized = json.dumps(material, sort_keys=True)
    digest = hashlib.sha256(serialized.encode()).hexdigest()[:BATCH_ID_DIGEST_LENGTH]
    return f"{stack}-{pipeline}-{digest}"


def batch_id_pattern(stack: str, pipelines: Sequence[str]) -> str:
    """An RE2 pattern matching exactly the ids `batch_id` gives this stack's pipelines.

    A prefix alone would not do: the batches of a stack `dev-eu` also start with `dev-`. Only pipeline names
    that themselves extend the stack name can still meet (stack `dev` with pipeline `eu-orders`, stack
    `dev-eu` with pipeline `orders`), and those two would share batch ids in the project anyway. The names
    are sorted: reordering the stack's pipelines changes no filter that holds the pattern.
    """
    names = "|".join(sorted(pipelines))
    return f"^{stack}-(?:{names})-[0-9a-f]{{{BATCH_ID_DIGEST_LENGTH}}}$"


def console_url(config: StackConfig, batch: str) -> str:
    return (
        f"https://console.cloud.google.com/dataproc/batches/{config.region}/{batch}/summary"
        f"?project={config.project_id}"
    )


class Pipeline(pulumi.ComponentResource):
    """One pipeline's uploaded contract and its batch; the shared template objects are passed in."""

    batch: gcp.dataproc.Batch
    batch_id: str
    console_url: str

    def __init__(
        self,
        name: str,
        config: StackConfig,
        pipeline: PipelineConfig,
        *,
        code: TemplateObjects,
        runner_email: pulumi.Input[str],
        subnetwork: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Pipeline", name, None, opts)
        contract_bytes = pipeline.contract_path.read_bytes()
        named = named_after_table(config, pipeline, "contract")
        contract_object = gcp.storage.BucketObject(
            named.name,
            bucket=code.bucket_name,
            name=contract_object_name(pipeline),
            source=uploaded_file(pipeline.contract_path),
            content_type="application/yaml",
            opts=pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
                pulumi.ResourceOptions.merge(named.options, UPLOAD_OPTIONS),
            ),
        )
        arguments = job_arguments(config, pipeline)
        settings = config.batch
        ttl = f"{settings.ttl_minutes * 60}s"
        properties = settings.properties(pipeline)
        self.batch_id = batch_id(
            config.stack,
            pipeline.name,
            template_digest=code.digest,
            contract=contract_bytes,
            arguments=arguments,
            settings={
                "runtime_version": settings.runtime_version,
                "properties": properties,
                "ttl": ttl,
                "kms_key": config.kms_key,
                "network": (
                    config.network.existing_subnetwork.path
                    if config.network.existing_subnetwork
                    else config.network.subnet_cidr
                ),
                # Only when set, so that the batch ids of stacks that set none stay as they were.
                **(
                    {"network_tags": list(config.network.network_tags)} if config.network.network_tags else {}
                ),
            },
            run_token=settings.run_token,
            pipeline_run_token=pipeline.run_token,
        )
        self.batch = gcp.dataproc.Batch(
            f"{pipeline.name}-batch",
            project=config.project_id,
            location=config.region,
            batch_id=self.batch_id,
            labels={**config.labels, "pipeline": pipeline.name},
            pyspark_batch=gcp.dataproc.BatchPysparkBatchArgs(
                main_python_file_uri=code.entry_script_uri,
                python_file_uris=[code.package_uri],
                args=[*arguments, "--batch-id", self.batch_id],
            ),
            runtime_config=gcp.dataproc.BatchRuntimeConfigArgs(
                version=settings.runtime_version, properties=properties
            ),
            environment_config=gcp.dataproc.BatchEnvironmentConfigArgs(
                execution_config=gcp.dataproc.BatchEnvironmentConfigExecutionConfigArgs(
                    service_account=runner_email,
                    subnetwork_uri=subnetwork,
                    network_tags=list(config.network.network_tags) or None,
                    staging_bucket=config.storage.bucket_name("staging"),
                    ttl=ttl,
                    kms_key=config.kms_key,
                    authentication_config=(
                        gcp.dataproc.BatchEnvironmentConfigExecutionConfigAuthenticationConfigArgs(
                            user_workload_authentication_type="SERVICE_ACCOUNT"
                        )
                        if settings.on_runtime_3
                        else None
                    ),
                )
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*depends_on, contract_object, *code.objects],
                custom_timeouts=pulumi.CustomTimeouts(create=f"{settings.timeout_minutes}m"),
                delete_before_replace=True,
            ),
        )
        self.console_url = console_url(config, self.batch_id)
        self.register_outputs({"batch_id": self.batch_id, "console_url": self.console_url})
