"""The pipeline's Pulumi program: validated config in, components wired together, outputs exported."""

import pulumi

from infra import config as stack_config
from infra import template
from infra.apis import Apis
from infra.identity import Identity
from infra.kms import KmsGrants
from infra.monitoring import Monitoring
from infra.network import Network
from infra.pipeline import Pipeline
from infra.storage import Storage
from infra.warehouse import Warehouse

config = stack_config.load()
apis = Apis("apis", config)
# With CMEK, what encrypts data waits until the service agents' grants on the key have propagated.
key_usable: list[pulumi.Resource] = (
    [KmsGrants("kms", config, config.kms_key, depends_on=[apis.ready]).ready] if config.kms_key else []
)
network = Network("network", config, depends_on=[apis.ready])
storage = Storage("storage", config, depends_on=[apis.ready, *key_usable])
identity = Identity("identity", config, storage, depends_on=[apis.ready])
# The dataset's access list names the runtime account: BigQuery refuses an account it cannot see yet.
warehouse = Warehouse(
    "warehouse", config, identity.email, depends_on=[apis.ready, identity.ready, *key_usable]
)
monitoring = Monitoring("monitoring", config, depends_on=[apis.ready])

for role, bucket in storage.buckets.items():
    pulumi.export(f"{role}_bucket", bucket.name)
    pulumi.export(f"{role}_bucket_url", bucket.url)
pulumi.export("service_account_email", identity.email)
pulumi.export("network", network.network_id)
pulumi.export("subnetwork", network.subnetwork_id)
pulumi.export("dataset_id", pulumi.Output.concat(config.project_id, ":", warehouse.dataset.dataset_id))
pulumi.export("dashboard_url", monitoring.dashboard_url)

pulumi.export("table_ids", warehouse.table_ids)

if config.pipelines and config.batch.run:
    code = template.TemplateObjects("template", template.build(), storage, depends_on=[apis.ready])
    batches: dict[str, str] = {}
    urls: dict[str, str] = {}
    for pipeline in config.pipelines:
        run = Pipeline(
            f"pipeline-{pipeline.name}",
            config,
            pipeline,
            code=code,
            runner_email=identity.email,
            subnetwork=network.subnetwork_id,
            depends_on=[
                apis.ready,
                *key_usable,
                identity.ready,
                warehouse.dataset,
                warehouse.tables[pipeline.name],
                warehouse.quarantine_tables[pipeline.name],
                *monitoring.metrics,
                *([network.firewall] if network.firewall else []),
            ],
        )
        batches[pipeline.name] = run.batch_id
        urls[pipeline.name] = run.console_url
    pulumi.export("batch_ids", batches)
    pulumi.export("batch_console_urls", urls)
