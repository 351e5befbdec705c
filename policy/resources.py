"""How the engine presents resources to a policy: type tokens and camelCase input properties."""

from collections.abc import Mapping
from typing import Any

BUCKET = "gcp:storage/bucket:Bucket"
DATASET = "gcp:bigquery/dataset:Dataset"
DATASET_ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
TABLE = "gcp:bigquery/table:Table"
FIREWALL = "gcp:compute/firewall:Firewall"
SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
BATCH = "gcp:dataproc/batch:Batch"


def nested(props: Mapping[str, Any], *path: str) -> Any:
    """The value at `path` inside nested objects, or None when any step is absent."""
    value: Any = props
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def stack_of(urn: str) -> str:
    """The stack name in a resource URN (`urn:pulumi:<stack>::<project>::<type>::<name>`)."""
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]


def resource_class(resource_type: str) -> str:
    """The class part of a type token, e.g. `IAMMember` for `gcp:projects/iAMMember:IAMMember`."""
    return resource_type.rsplit(":", 1)[-1]
