"""The pipeline's Pulumi program: validated config in, components wired together, outputs exported."""

import pulumi

from infra import config as stack_config
from infra.apis import Apis
from infra.identity import Identity
from infra.kms import KmsGrants
from infra.network import Network
from infra.storage import Storage

config = stack_config.load()
apis = Apis("apis", config)
encryption: list[pulumi.Resource] = (
    KmsGrants("kms", config, config.kms_key, apis.ready).grants if config.kms_key else []
)
network = Network("network", config, apis.ready)
storage = Storage("storage", config, [apis.ready, *encryption])
identity = Identity("identity", config, storage, apis.ready)

for role in ("raw", "staging", "temp", "code"):
    bucket = getattr(storage, role)
    pulumi.export(f"{role}_bucket", bucket.name)
    pulumi.export(f"{role}_bucket_url", bucket.url)
pulumi.export("service_account_email", identity.email)
pulumi.export("subnetwork", network.subnetwork_id)
