"""Customer-managed encryption: let the Google service agents that encrypt our data use the configured key."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig
from infra.wait import PropagationWait

ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


class KmsGrants(pulumi.ComponentResource):
    """Grants the key to the Cloud Storage, BigQuery, Dataproc and Compute Engine service agents.

    Buckets, the dataset and the batches' disks are encrypted by these agents, so the grants must have reached
    Cloud KMS before those resources are created ("Permission denied on Cloud KMS key" otherwise): they
    depend on `ready`, which waits `iamPropagationSeconds` after the grants. The key itself is managed
    outside this stack (keys cannot be deleted, only their versions destroyed).
    """

    ready: pulumi.Resource

    def __init__(
        self,
        name: str,
        config: StackConfig,
        kms_key: str,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:KmsGrants", name, None, opts)
        # After the APIs: on a new project, the look-ups call Cloud Resource Manager, Storage and BigQuery.
        invoke = pulumi.InvokeOutputOptions(parent=self, depends_on=list(depends_on))
        project_number = gcp.organizations.get_project_output(
            project_id=config.project_id, opts=invoke
        ).number
        storage_agent = gcp.storage.get_project_service_account_output(project=config.project_id, opts=invoke)
        bigquery_agent = gcp.bigquery.get_default_service_account_output(
            project=config.project_id, opts=invoke
        )
        members: dict[str, pulumi.Input[str]] = {
            "storage": storage_agent.member,
            "bigquery": bigquery_agent.member,
            "dataproc": project_number.apply(
                lambda n: f"serviceAccount:service-{n}@dataproc-accounts.iam.gserviceaccount.com"
            ),
            "compute": project_number.apply(
                lambda n: f"serviceAccount:service-{n}@compute-system.iam.gserviceaccount.com"
            ),
        }
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        grants = [
            gcp.kms.CryptoKeyIAMMember(
                f"kms-{agent}-agent",
                crypto_key_id=kms_key,
                role=ENCRYPTER_DECRYPTER,
                member=member,
                opts=child,
            )
            for agent, member in members.items()
        ]
        self.ready = PropagationWait(
            "kms-propagation",
            config.iam_propagation_seconds,
            config.project_id,
            [f"{ENCRYPTER_DECRYPTER}@{agent}-agent on {kms_key}" for agent in members],
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
        )
        self.register_outputs({"key": kms_key})
