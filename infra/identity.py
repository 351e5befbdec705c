"""The batches' runtime service account and the least-privilege grants it needs; data-access audit logs.

Roles are granted with *IAMMember resources (additive, one binding member each), never the authoritative
*IAMBinding/*IAMPolicy kinds that would remove grants made by others. Dataset access is not granted here: the
dataset's own authoritative `accesses` list carries it (see infra/warehouse.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig
from infra.storage import Storage
from infra.wait import PropagationWait

PROJECT_ROLES = (
    "roles/dataproc.worker",  # run as a Dataproc Serverless workload, write its logs and metrics
    "roles/bigquery.jobUser",  # run the BigQuery connector's load and query jobs, and the sink's DELETEs
)
RUNNER_BUCKET_ROLES = {
    "raw": "roles/storage.objectViewer",  # read input files
    "code": "roles/storage.objectViewer",  # read the job's code and data contract
    "staging": "roles/storage.objectAdmin",  # Dataproc staging and Spark history files
    "temp": "roles/storage.objectAdmin",  # BigQuery connector's indirect-write files
}
AUDITED_SERVICES = ("bigquery.googleapis.com", "storage.googleapis.com")


class Identity(pulumi.ComponentResource):
    """Creates the runner service account (no keys) and grants it exactly what a batch needs.

    With auditLogs it also turns on the data-access audit logs of BigQuery and Cloud Storage: an audit config
    is part of the project's IAM policy (its `auditConfigs`), and those logs record what identities such as
    the runner read and write. With protectData they are protected like the data.
    """

    account: gcp.serviceaccount.Account
    email: pulumi.Output[str]
    grants: list[pulumi.Resource]
    ready: pulumi.Resource
    """Depend on this to use the runner: it completes once every grant has had time to propagate."""

    def __init__(
        self,
        name: str,
        config: StackConfig,
        storage: Storage,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        account_id = f"{config.name_prefix}-runner"
        self.account = gcp.serviceaccount.Account(
            "runner",
            project=config.project_id,
            account_id=account_id,
            display_name=f"Dataproc Serverless runner ({config.stack})",
            description="Runs the pipeline's Dataproc Serverless batches",
            opts=child,
        )
        self.email = self.account.email
        member = self.account.member
        self.grants = []
        for role in PROJECT_ROLES:
            self.grants.append(
                gcp.projects.IAMMember(
                    f"runner-{role.split('/')[1]}",
                    project=config.project_id,
                    role=role,
                    member=member,
                    opts=child,
                )
            )
        for bucket, role in RUNNER_BUCKET_ROLES.items():
            self.grants.append(
                gcp.storage.BucketIAMMember(
                    f"runner-{bucket}-{role.split('.')[-1]}",
                    bucket=storage.buckets[bucket].name,
                    role=role,
                    member=member,
                    opts=child,
                )
            )
        if config.audit_logs:
            # Protected as the data is: a teardown that keeps the data keeps the record of who reads it.
            protected = pulumi.ResourceOptions(protect=config.warehouse.protect)
            audit = pulumi.ResourceOptions.merge(child, protected)
            for service in AUDITED_SERVICES:
                gcp.projects.IAMAuditConfig(
                    f"audit-{service.split('.')[0]}",
                    project=config.project_id,
                    service=service,
                    audit_log_configs=[
                        gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=log_type)
                        for log_type in ("DATA_READ", "DATA_WRITE")
                    ],
                    opts=audit,
                )
        self.ready = PropagationWait(
            "iam-propagation",
            config.iam_propagation_seconds,
            config.project_id,
            # Every grant, by grantee, role and scope: a new account (a renamed stack), grant or bucket
            # re-runs the wait.
            [f"grantee {account_id}"]
            + [f"{role}@project" for role in PROJECT_ROLES]
            + [
                f"{role}@{config.storage.bucket_name(bucket)}" for bucket, role in RUNNER_BUCKET_ROLES.items()
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.grants),
        )
        self.register_outputs({"email": self.email})
