"""Run the real Pulumi program (__main__.py) offline under the SDK's mock engine and return what it declared.

    stack = run_stack("dev", {"protectData": True})
    bucket = stack.one("gcp:storage/bucket:Bucket", "raw")
    bucket.inputs["uniformBucketLevelAccess"]   # True   (inputs as the engine sees them: camelCase keys)
    bucket.options.protect                      # True   (protectData protects the raw bucket)
    stack.outputs["raw_bucket"]                 # resolved stack outputs

Config comes from the tests' own copy of a stack file, `tests/infra/stacks/Pulumi.<stack>.yaml` (the files at
the top of the repository are the team's to edit), or from another directory's `stack_files`, with the
defaults of Pulumi.yaml's `config:` block filled in for keys the stack file does not set (as the CLI does);
`overrides` replace or add keys (None removes a key). Keys without a namespace belong to the project. A config
error raised by the program propagates unchanged.

The mock engine never sees resource options, so a stack transformation records them as each resource is
constructed; the two records are joined on (type, logical name), which the program keeps unique.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "__main__.py"
TEST_STACKS = Path(__file__).with_name("stacks")
"""The stack files the tests run: copies of the examples as shipped."""
EXISTING_SUBNET_RANGE = "10.20.0.0/22"
"""The primary range the mock reports for any existing subnet the program looks up (in network `corp`)."""
SUBNET_WITHOUT_PRIVATE_ACCESS = "no-private-access"
"""The name of the one existing subnet the mock reports with Private Google Access off."""


@dataclass(frozen=True)
class Options:
    """The resource options the program passed, reduced to plain values (resources named by logical name)."""

    protect: bool
    parent: str | None
    parent_type: str | None
    depends_on: tuple[str, ...]
    custom_timeouts: Mapping[str, str | None] | None
    retain_on_delete: bool
    delete_before_replace: bool
    replace_on_changes: tuple[str, ...]
    aliases: tuple[str, ...]
    """The names (or URNs) the resource had before."""


@dataclass(frozen=True)
class DeclaredResource:
    """One declared resource: type token, logical name, inputs as the engine sees them, options."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    options: Options
    custom: bool


@dataclass
class StackResult:
    """Everything one run of the program declared."""

    resources: list[DeclaredResource]
    outputs: dict[str, Any] = field(default_factory=dict)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """The data-source calls the program made: token and arguments."""
    sequence: list[str] = field(default_factory=list)
    """Resource names and invoke tokens in the order the engine received them."""

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str) -> DeclaredResource:
        found = [r for r in self.resources if r.type == type_token and r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.of_type(type_token))
            raise KeyError(f"{len(found)} resources {type_token} named {name!r}; this type has: {names}")
        return found[0]


def events_pipeline(folder: Path, name: str = "events") -> dict[str, object]:
    """A second pipeline beside the stacks' `orders`, its one-column contract written to `folder`."""
    contract = folder / "events.yaml"
    contract.write_text("table: events\ncolumns:\n  - {name: id, type: STRING}\n", encoding="utf-8")
    return {"name": name, "contract": str(contract), "inputFormat": "json"}


def project_name() -> str:
    return str(_project_file()["name"])


def _project_file() -> dict[str, Any]:
    with (ROOT / "Pulumi.yaml").open() as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def stack_config(
    stack: str, overrides: Mapping[str, object] | None = None, stack_files: Path = TEST_STACKS
) -> dict[str, object]:
    """The stack's effective config as `namespace:key` -> value (YAML types), defaults applied; a value
    stored encrypted (`secure:`) cannot be read offline, so its key takes its default."""
    project = _project_file()
    name = str(project["name"])

    def qualified(key: str) -> str:
        return key if ":" in key else f"{name}:{key}"

    values: dict[str, object] = {}
    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and ("default" in declaration or "value" in declaration):
            values[qualified(key)] = declaration.get("value", declaration.get("default"))
        elif not isinstance(declaration, dict):
            values[qualified(key)] = declaration
    stack_file = stack_files / f"Pulumi.{stack}.yaml"
    if stack_file.exists():
        with stack_file.open() as handle:
            stack_values = (yaml.safe_load(handle) or {}).get("config") or {}
            values.update({qualified(k): _readable(v) for k, v in stack_values.items() if not _encrypted(v)})
    for key, value in (overrides or {}).items():
        if value is None:
            values.pop(qualified(key), None)
        else:
            values[qualified(key)] = value
    return values


def _encrypted(value: object) -> bool:
    """A value `pulumi config set --secret` stored: readable only with the stack's secrets provider."""
    return isinstance(value, dict) and set(value) == {"secure"}


def _readable(value: object) -> object:
    """`value` without the encrypted values inside it (`--path --secret labels.team`), which take their
    defaults, as the whole key does when it is encrypted."""
    if isinstance(value, dict):
        return {key: _readable(item) for key, item in value.items() if not _encrypted(item)}
    if isinstance(value, list):
        return [_readable(item) for item in value if not _encrypted(item)]
    return value


def _as_engine_string(value: object) -> str:
    """The CLI passes every config value as a string: booleans lowercase, structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class _Mocks(pulumi.runtime.Mocks):
    """Echo inputs back as state, plus the computed attributes the program reads from a few resource types."""

    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.registered: list[tuple[str, str, dict[str, Any], bool]] = []
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.sequence: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append((args.typ, args.name, dict(args.inputs), bool(args.custom)))
        self.sequence.append(args.name)
        state = dict(args.inputs)
        state.update(_computed(args.typ, args.name, args.inputs, self.project_id))
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.invokes.append((args.token, dict(args.args)))
        self.sequence.append(args.token)
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": "123456789012", "projectId": self.project_id}, []
        if args.token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
            email = "service-123456789012@gs-project-accounts.iam.gserviceaccount.com"
            return {"emailAddress": email, "member": f"serviceAccount:{email}"}, []
        if args.token == "gcp:compute/getSubnetwork:getSubnetwork":
            network = (
                f"https://www.googleapis.com/compute/v1/projects/{args.args['project']}/global/networks/corp"
            )
            # Every existing subnet has Private Google Access on, but one named for lacking it.
            private_access = args.args["name"] != SUBNET_WITHOUT_PRIVATE_ACCESS
            return {
                **dict(args.args),
                "ipCidrRange": EXISTING_SUBNET_RANGE,
                "network": network,
                "privateIpGoogleAccess": private_access,
            }, []
        if args.token == "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount":
            email = "bq-123456789012@bigquery-encryption.iam.gserviceaccount.com"
            return {"email": email, "member": f"serviceAccount:{email}"}, []
        return {}, []


def _computed(type_token: str, name: str, inputs: Mapping[str, Any], project_id: str) -> dict[str, Any]:
    if type_token == "gcp:serviceaccount/account:Account":
        email = f"{inputs['accountId']}@{project_id}.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}"}
    if type_token == "gcp:storage/bucket:Bucket":
        return {"url": f"gs://{inputs['name']}"}
    if type_token == "gcp:monitoring/notificationChannel:NotificationChannel":
        return {"name": f"projects/{project_id}/notificationChannels/{name}"}
    if type_token == "gcp:monitoring/dashboard:Dashboard":
        return {"id": f"projects/123456789012/dashboards/{name}"}
    return {}


def _options(opts: pulumi.ResourceOptions) -> Options:
    timeouts = opts.custom_timeouts
    depends = opts.depends_on if isinstance(opts.depends_on, list | tuple) else [opts.depends_on]
    return Options(
        protect=bool(opts.protect),
        parent=opts.parent._name if opts.parent is not None and not isinstance(opts.parent, Stack) else None,
        parent_type=opts.parent._type
        if opts.parent is not None and not isinstance(opts.parent, Stack)
        else None,
        depends_on=tuple(sorted(d._name for d in depends if isinstance(d, pulumi.Resource))),
        custom_timeouts=(
            {"create": timeouts.create, "update": timeouts.update, "delete": timeouts.delete}
            if timeouts is not None
            else None
        ),
        retain_on_delete=bool(opts.retain_on_delete),
        delete_before_replace=bool(opts.delete_before_replace),
        replace_on_changes=tuple(opts.replace_on_changes or ()),
        aliases=tuple(str(a.name) if isinstance(a, pulumi.Alias) else str(a) for a in opts.aliases or ()),
    )


def stack_config_strings(
    stack: str, overrides: Mapping[str, object] | None = None, stack_files: Path = TEST_STACKS
) -> dict[str, str]:
    """The stack's effective config exactly as the engine hands it to the program (every value a string)."""
    return {
        key: _as_engine_string(value) for key, value in stack_config(stack, overrides, stack_files).items()
    }


def secret(value: object) -> dict[str, object]:
    """How the engine's mocks receive an input marked secret (the SDK's wire form of a secret)."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def run_stack(
    stack: str = "dev",
    overrides: Mapping[str, object] | None = None,
    secret_keys: Sequence[str] = (),
    stack_files: Path = TEST_STACKS,
) -> StackResult:
    """Run __main__.py for `stack` under mocks and return its resources and resolved outputs; the
    `secret_keys` are set as `pulumi config set --secret` sets them."""
    config = stack_config_strings(stack, overrides, stack_files)
    project = project_name()
    project_id = config.get(f"{project}:projectId", "mock-project")
    mocks = _Mocks(project_id)
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(config, [key if ":" in key else f"{project}:{key}" for key in secret_keys])

    captured: dict[tuple[str, str], Options] = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        key = (args.type_, args.name)
        if key in captured:
            raise AssertionError(
                f"two resources {args.type_} named {args.name!r}: logical names must be unique"
            )
        captured[key] = _options(args.opts)

    pulumi.runtime.register_stack_transformation(record)
    root = pulumi_settings.get_root_resource()
    assert isinstance(root, Stack)

    resolved: dict[str, Any] = {}

    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        return pulumi.Output.all(**root.outputs).apply(resolved.update)

    # pulumi.runtime.test is untyped: it runs the program and waits for every registration and output.
    run_under_mocks = cast(Callable[[Callable[[], Any]], Callable[[], None]], pulumi.runtime.test)
    run_under_mocks(program)()
    resources = [
        DeclaredResource(type=typ, name=name, inputs=inputs, options=captured[(typ, name)], custom=custom)
        for typ, name, inputs, custom in mocks.registered
    ]
    return StackResult(resources=resources, outputs=resolved, invokes=mocks.invokes, sequence=mocks.sequence)
