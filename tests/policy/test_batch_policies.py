from typing import Any

import pytest

from infra.config_reader import ConfigError
from policy.batches import (
    BATCH_CODE_IN_STORAGE,
    BATCH_DEDICATED_SERVICE_ACCOUNT,
    BATCH_NAMED_SUBNETWORK,
    BATCH_TTL,
)
from policy.resources import BATCH, SESSION_TEMPLATE
from tests.infra.harness import run_stack
from tests.policy.resource_args import UNKNOWN, resource_args, violations

EXECUTION = {
    "serviceAccount": "pipeline-runner@proj.iam.gserviceaccount.com",
    "subnetworkUri": "projects/proj/regions/europe-west1/subnetworks/pipeline",
    "ttl": "14400s",
    "stagingBucket": "proj-dev-staging",
}


def batch(**execution: Any) -> dict[str, Any]:
    """Batch inputs with the given executionConfig fields replacing the good ones (None removes a field)."""
    merged = {key: value for key, value in {**EXECUTION, **execution}.items() if value is not None}
    return {
        "pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"},
        "runtimeConfig": {"version": "2.3"},
        "environmentConfig": {"executionConfig": merged},
    }


def test_a_batch_with_a_dedicated_account_subnetwork_and_ttl_passes_every_batch_rule() -> None:
    args = resource_args(BATCH, batch())
    for policy in (BATCH_DEDICATED_SERVICE_ACCOUNT, BATCH_NAMED_SUBNETWORK, BATCH_TTL, BATCH_CODE_IN_STORAGE):
        assert violations(policy, args) == []


@pytest.mark.parametrize(
    "account",
    [
        "123456789012-compute@developer.gserviceaccount.com",
        "123456789012-COMPUTE@developer.gserviceaccount.com",
        "my-project@appspot.gserviceaccount.com",  # App Engine's default, an Editor too
        "my-project.example.com@appspot.gserviceaccount.com",  # a domain-scoped project's
    ],
)
def test_a_batch_running_as_a_default_account_is_reported(account: str) -> None:
    args = resource_args(BATCH, batch(serviceAccount=account), name="orders")
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == [
        f"batch 'orders' runs as the default service account {account}: "
        "set the pipeline's dedicated service account"
    ]


@pytest.mark.parametrize("account", [None, ""])
def test_a_batch_without_a_service_account_is_reported(account: str | None) -> None:
    args = resource_args(BATCH, batch(serviceAccount=account), name="orders")
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == [
        "batch 'orders' sets no environmentConfig.executionConfig.serviceAccount, so it runs "
        "as the default Compute Engine service account: set the pipeline's dedicated service account"
    ]


def test_a_batch_without_any_environment_config_breaks_every_batch_rule() -> None:
    args = resource_args(BATCH, {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}})
    assert [
        violations(policy, args)
        for policy in (BATCH_DEDICATED_SERVICE_ACCOUNT, BATCH_NAMED_SUBNETWORK, BATCH_TTL)
    ] == [
        [
            "batch 'subject' sets no environmentConfig.executionConfig.serviceAccount, so it runs as the "
            "default Compute Engine service account: set the pipeline's dedicated service account",
            f"batch 'subject' runs on the default runtime (no runtimeConfig.version), {_AS_ITS_CREATOR}",
        ],
        [
            "batch 'subject' names no environmentConfig.executionConfig.subnetworkUri: run it on the "
            "pipeline's subnetwork (with Private Google Access), not a default network"
        ],
        [
            "batch 'subject' sets no ttl: set environmentConfig.executionConfig.ttl to a duration in seconds "
            'such as "3600s" so a stuck run is terminated'
        ],
    ]


_AS_ITS_CREATOR = (
    "which runs its code with the credentials of whoever creates it (the deployer) unless environmentConfig."
    "executionConfig.authenticationConfig.userWorkloadAuthenticationType is SERVICE_ACCOUNT: set that, or a "
    "runtime below 3.0"
)


@pytest.mark.parametrize(
    ("resource_type", "runtime", "authentication", "runs_on"),
    [
        (BATCH, {"version": "3.0"}, None, "runtime 3.0"),
        (BATCH, {"version": "3.1"}, "END_USER_CREDENTIALS", "runtime 3.1"),
        (BATCH, {"version": "10.0"}, None, "runtime 10.0"),
        (BATCH, {"version": "3.0"}, "service_account", "runtime 3.0"),  # the API's enum is upper case
        (BATCH, {}, None, "the default runtime (no runtimeConfig.version)"),  # which may be 3.0 or later
        (SESSION_TEMPLATE, {"version": "3.0"}, "END_USER_CREDENTIALS", "runtime 3.0"),
    ],
)
def test_a_runtime_that_runs_the_code_as_its_creator_needs_service_account_authentication(
    resource_type: str, runtime: dict[str, str], authentication: str | None, runs_on: str
) -> None:
    props = batch()
    props["runtimeConfig"] = runtime
    if authentication is not None:
        execution = props["environmentConfig"]["executionConfig"]
        execution["authenticationConfig"] = {"userWorkloadAuthenticationType": authentication}
    args = resource_args(resource_type, props, name="orders")
    kind = "batch" if resource_type == BATCH else "session template"
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == [
        f"{kind} 'orders' runs on {runs_on}, {_AS_ITS_CREATOR}"
    ]


@pytest.mark.parametrize(
    ("runtime", "authentication"),
    [("3.0", "SERVICE_ACCOUNT"), (None, "SERVICE_ACCOUNT"), ("2.3", None), ("2.2", None), ("1.2", None)],
)
def test_a_batch_running_as_its_service_account_on_any_runtime_passes(
    runtime: str | None, authentication: str | None
) -> None:
    props = batch()
    props["runtimeConfig"] = {} if runtime is None else {"version": runtime}
    if authentication is not None:
        execution = props["environmentConfig"]["executionConfig"]
        execution["authenticationConfig"] = {"userWorkloadAuthenticationType": authentication}
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, resource_args(BATCH, props)) == []


@pytest.mark.parametrize("unknown", ["version", "runtimeConfig", "authentication"])
def test_a_runtime_or_authentication_a_preview_does_not_know_is_left_to_the_update(unknown: str) -> None:
    props = batch()
    props["runtimeConfig"] = {"version": UNKNOWN if unknown == "version" else "3.0"}
    if unknown == "runtimeConfig":
        props["runtimeConfig"] = UNKNOWN
    if unknown == "authentication":
        props["environmentConfig"]["executionConfig"]["authenticationConfig"] = UNKNOWN
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, resource_args(BATCH, props)) == []


def test_the_programs_batches_on_runtime_3_run_as_their_service_account() -> None:
    result = run_stack("dev", {"runtimeVersion": "3.0"})
    batches = [resource for resource in result.resources if resource.type == BATCH]
    assert batches
    for declared in batches:
        args = resource_args(BATCH, declared.inputs, name=declared.name)
        assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == []


@pytest.mark.parametrize("subnetwork", [None, ""])
def test_a_batch_on_a_network_without_a_named_subnetwork_is_reported(subnetwork: str | None) -> None:
    args = resource_args(BATCH, batch(subnetworkUri=subnetwork, networkUri="default"), name="orders")
    assert violations(BATCH_NAMED_SUBNETWORK, args) == [
        "batch 'orders' names no environmentConfig.executionConfig.subnetworkUri: "
        "run it on the pipeline's subnetwork (with Private Google Access), not a default network"
    ]


@pytest.mark.parametrize("subnetwork", ["default", "projects/proj/regions/europe-west1/subnetworks/default"])
def test_a_batch_on_the_default_subnetwork_is_reported(subnetwork: str) -> None:
    args = resource_args(BATCH, batch(subnetworkUri=subnetwork), name="orders")
    assert violations(BATCH_NAMED_SUBNETWORK, args) == [
        f"batch 'orders' runs on the default network's subnetwork {subnetwork!r}: "
        "run it on the pipeline's subnetwork (with Private Google Access), not a default network"
    ]
    named = resource_args(BATCH, batch(subnetworkUri=subnetwork + "-pipeline"), name="orders")
    assert violations(BATCH_NAMED_SUBNETWORK, named) == []


@pytest.mark.parametrize("ttl", ["600s", "3600.5s", "1209600s"])
def test_ttls_within_dataproc_bounds_pass(ttl: str) -> None:
    assert violations(BATCH_TTL, resource_args(BATCH, batch(ttl=ttl))) == []


def test_a_batch_without_ttl_is_reported() -> None:
    assert violations(BATCH_TTL, resource_args(BATCH, batch(ttl=None), name="orders")) == [
        "batch 'orders' sets no ttl: set environmentConfig.executionConfig.ttl to a duration "
        'in seconds such as "3600s" so a stuck run is terminated'
    ]


# "3600": seconds without the "s" the API requires; the others, text the API would refuse too.
@pytest.mark.parametrize("ttl", ["4h", "3600", "3600s\n", "\u0661\u0662\u0660\u0660s"])
def test_a_ttl_not_in_seconds_is_reported(ttl: str) -> None:
    assert violations(BATCH_TTL, resource_args(BATCH, batch(ttl=ttl), name="orders")) == [
        f"batch 'orders' has ttl {ttl!r}: set environmentConfig.executionConfig.ttl to a duration "
        'in seconds such as "3600s" so a stuck run is terminated'
    ]


@pytest.mark.parametrize("ttl", ["599s", "599.9s", "1209601s", "1209600.5s"])
def test_a_ttl_outside_dataproc_bounds_is_reported(ttl: str) -> None:
    assert violations(BATCH_TTL, resource_args(BATCH, batch(ttl=ttl), name="orders")) == [
        f"batch 'orders' has ttl {ttl}: Dataproc accepts 600s (10 minutes) to 1209600s (14 days)"
    ]


def test_batch_rules_ignore_other_resources() -> None:
    args = resource_args("gcp:storage/bucket:Bucket", {"name": "raw"})
    for policy in (BATCH_DEDICATED_SERVICE_ACCOUNT, BATCH_NAMED_SUBNETWORK, BATCH_TTL):
        assert violations(policy, args) == []


def test_a_session_template_gets_the_batch_identity_and_subnetwork_rules_but_no_ttl() -> None:
    """Its sessions run as batches do; an idle TTL, not a TTL, bounds them."""
    execution = {"serviceAccount": "123-compute@developer.gserviceaccount.com"}
    args = resource_args(
        SESSION_TEMPLATE,
        {"runtimeConfig": {"version": "2.2"}, "environmentConfig": {"executionConfig": execution}},
        name="notebooks",
    )
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == [
        "session template 'notebooks' runs as the default service account "
        "123-compute@developer.gserviceaccount.com: set the pipeline's dedicated service account"
    ]
    assert violations(BATCH_NAMED_SUBNETWORK, args) == [
        "session template 'notebooks' names no environmentConfig.executionConfig.subnetworkUri: run it on "
        "the pipeline's subnetwork (with Private Google Access), not a default network"
    ]
    assert violations(BATCH_TTL, args) == []
    execution["ttl"] = "99999999s"
    args = resource_args(
        SESSION_TEMPLATE, {"environmentConfig": {"executionConfig": execution}}, name="notebooks"
    )
    assert violations(BATCH_TTL, args) == [
        "session template 'notebooks' has ttl 99999999s: Dataproc accepts 600s (10 minutes) to 1209600s "
        "(14 days)"
    ]


CLUSTER = "gcp:dataproc/cluster:Cluster"
WORKFLOW_TEMPLATE = "gcp:dataproc/workflowTemplate:WorkflowTemplate"
RUNNER = "pipeline-runner@proj.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("props", "reported"),
    [
        (
            {"clusterConfig": {"masterConfig": {"numInstances": 1}}},
            "cluster 'spark' sets no clusterConfig.gceClusterConfig.serviceAccount, so it runs as the "
            "default Compute Engine service account: set the pipeline's dedicated service account",
        ),
        (
            {
                "clusterConfig": {
                    "gceClusterConfig": {"serviceAccount": "42-compute@developer.gserviceaccount.com"}
                }
            },
            "cluster 'spark' runs as the default service account 42-compute@developer.gserviceaccount.com: "
            "set the pipeline's dedicated service account",
        ),
        ({"clusterConfig": {"gceClusterConfig": {"serviceAccount": RUNNER}}}, None),
        # On GKE, the workload runs as its node pools' identity: nothing here names it.
        ({"virtualClusterConfig": {"kubernetesClusterConfig": {}}}, None),
    ],
)
def test_a_dataproc_cluster_gets_the_identity_rule(props: dict[str, Any], reported: str | None) -> None:
    args = resource_args(CLUSTER, props, name="spark")
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == ([reported] if reported else [])
    assert violations(BATCH_NAMED_SUBNETWORK, args) == violations(BATCH_TTL, args) == []


def test_an_account_that_is_not_text_is_left_to_the_provider_to_refuse() -> None:
    args = resource_args(CLUSTER, {"clusterConfig": {"gceClusterConfig": {"serviceAccount": ["a", "b"]}}})
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == []


def test_the_cluster_a_workflow_template_creates_gets_the_identity_rule() -> None:
    managed = {"clusterName": "etl", "config": {"gceClusterConfig": {"zone": "europe-west1-b"}}}
    args = resource_args(WORKFLOW_TEMPLATE, {"placement": {"managedCluster": managed}}, name="nightly")
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, args) == [
        "workflow template 'nightly' sets no placement.managedCluster.config.gceClusterConfig."
        "serviceAccount, so it runs as the default Compute Engine service account: set the pipeline's "
        "dedicated service account"
    ]
    selected = resource_args(
        WORKFLOW_TEMPLATE, {"placement": {"clusterSelector": {"clusterLabels": {"a": "b"}}}}
    )
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, selected) == []
    on_gke = {"clusterName": "etl", "config": {"gkeClusterConfig": {"namespacedGkeDeploymentTarget": {}}}}
    gke = resource_args(WORKFLOW_TEMPLATE, {"placement": {"managedCluster": on_gke}})
    assert violations(BATCH_DEDICATED_SERVICE_ACCOUNT, gke) == []


def test_a_batch_taking_its_code_from_cloud_storage_or_its_image_passes() -> None:
    props = batch()
    props["pysparkBatch"] |= {
        "pythonFileUris": ["gs://code/package.zip"],
        "jarFileUris": ["file:///usr/lib/spark/connector/spark-bigquery.jar", "GS://code/extra.jar"],
        "fileUris": "local-file.txt",
        "args": ["--input-location", "https://example.com/not-a-file-field"],
    }
    # Spark's file: (one slash, as Java writes them) and local: name the image's own files.
    jars = "gs://code/a.jar, file:///opt/b.jar,file:/opt/c.jar,local:/opt/d.jar,/opt/e:f.jar"
    properties = {"spark.jars": jars, "spark.sql.hive.metastore.jars": "builtin"}
    props["runtimeConfig"] = {"properties": properties}
    assert violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props)) == []


@pytest.mark.parametrize(
    ("workload", "properties", "found"),
    [
        (
            {"pysparkBatch": {"mainPythonFileUri": "https://example.com/main.py"}},
            {},
            "fetches 'https://example.com/main.py' (pysparkBatch.mainPythonFileUri)",
        ),
        # White space a reader may trim does not hide the scheme.
        (
            {"pysparkBatch": {"mainPythonFileUri": " https://example.com/main.py"}},
            {},
            "fetches ' https://example.com/main.py' (pysparkBatch.mainPythonFileUri)",
        ),
        (
            {"sparkBatch": {"mainClass": "Main", "jarFileUris": ["gs://code/ok.jar", "s3a://other/x.jar"]}},
            {},
            "fetches 's3a://other/x.jar' (sparkBatch.jarFileUris)",
        ),
        (
            {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}},
            {"spark.submit.pyFiles": "gs://code/a.zip,http://example.com/b.zip"},
            "fetches 'http://example.com/b.zip' (runtimeConfig.properties.spark.submit.pyFiles)",
        ),
        # Spark trims each item as Java does, control characters included.
        (
            {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}},
            {"spark.jars": "gs://code/a.jar,\x01https://example.com/b.jar"},
            "fetches 'https://example.com/b.jar' (runtimeConfig.properties.spark.jars)",
        ),
        (
            {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}},
            {"spark.jars.packages": "com.example:evil:1.0"},
            "sets runtimeConfig.properties.spark.jars.packages, which downloads packages from a repository",
        ),
        # Spark can fetch the Hive metastore's jars too.
        (
            {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}},
            {"spark.sql.hive.metastore.jars": "Maven"},
            "sets runtimeConfig.properties.spark.sql.hive.metastore.jars=maven, which downloads packages",
        ),
        (
            {"pysparkBatch": {"mainPythonFileUri": "gs://code/main.py"}},
            {"spark.sql.hive.metastore.jars.path": "https://example.com/hive.jar"},
            "fetches 'https://example.com/hive.jar' "
            "(runtimeConfig.properties.spark.sql.hive.metastore.jars.path)",
        ),
    ],
)
def test_code_fetched_from_outside_cloud_storage_is_refused(
    workload: dict[str, Any], properties: dict[str, str], found: str
) -> None:
    props = {**batch(), **workload, "runtimeConfig": {"properties": properties}}
    if "sparkBatch" in workload:
        del props["pysparkBatch"]
    (message,) = violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props))
    assert message.startswith(f"batch 'subject' {found}")


def test_a_session_templates_package_downloads_are_refused_and_unknown_values_left_to_the_update() -> None:
    template = {"runtimeConfig": {"properties": {"spark.jars.repositories": "https://repo.example.com"}}}
    (message,) = violations(BATCH_CODE_IN_STORAGE, resource_args(SESSION_TEMPLATE, template))
    assert message.startswith(
        "session template 'subject' sets runtimeConfig.properties.spark.jars.repositories"
    )
    props = batch()
    props["pysparkBatch"]["jarFileUris"] = [UNKNOWN]
    props["runtimeConfig"] = {"properties": {"spark.jars": UNKNOWN}}
    assert violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props)) == []
    # Properties a preview does not know at all leave the files it knows checked.
    props = {**batch(), "runtimeConfig": UNKNOWN}
    props["pysparkBatch"]["mainPythonFileUri"] = "https://example.com/main.py"
    (message,) = violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props))
    assert "fetches 'https://example.com/main.py'" in message


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("spark.jars.packages", "com.example:lib:1.0", True),
        ("spark.jars.packages", "", False),
        ("spark.jars.repositories", "https://repo.example.com/maven", True),
        ("spark.sql.hive.metastore.jars", "maven", True),
        ("spark.sql.hive.metastore.jars", "builtin", False),
        ("spark.sql.hive.metastore.jars.path", "s3a://bucket/hive/*.jar", True),
        ("spark.jars", "gs://code/a.jar,HTTPS://example.com/b.jar", True),
        ("spark.jars", "gs://code/a.jar, local:///usr/lib/spark/x.jar", False),
        ("spark.files", "ivy://org:module:1.0", True),
        ("spark.files", "file:///etc/app.conf,lookup.csv", False),
        ("spark.submit.pyFiles", "http://example.com/lib.zip", True),
        ("spark.archives", "hdfs://namenode/env.tar.gz", True),
        ("spark.archives", "gs://code/env.tar.gz#env", False),
        ("spark.executor.extraClassPath", "https://example.com/not-fetched", False),
    ],
)
def test_the_stack_config_refuses_the_spark_properties_batch_code_in_storage_refuses(
    name: str, value: str, refused: bool
) -> None:
    """The stack config says so before a preview; the policy pack holds any program to the same rule."""
    props = {**batch(), "runtimeConfig": {"properties": {name: value}}}
    refused_by_policy = violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props)) != []
    try:
        run_stack("dev", {"pipelines": [], "sparkProperties": {name: value}})
    except ConfigError as error:
        assert error.key == f"sparkProperties.{name}"
        refused_by_config = True
    else:
        refused_by_config = False
    assert (refused_by_config, refused_by_policy) == (refused, refused)


@pytest.mark.parametrize("value", [True, ["com.example:lib:1.0"]])
def test_package_downloads_are_refused_whatever_the_type_of_their_value(value: object) -> None:
    props = {**batch(), "runtimeConfig": {"properties": {"spark.jars.packages": value}}}
    (message,) = violations(BATCH_CODE_IN_STORAGE, resource_args(BATCH, props))
    assert message.startswith("batch 'subject' sets runtimeConfig.properties.spark.jars.packages")
