import json

import pytest
from pulumi_policy import ResourceValidationPolicy

from policy.iam import (
    IAM_NO_BASIC_ROLES,
    IAM_NO_PRIVILEGED_ROLES,
    IAM_NO_PUBLIC_MEMBERS,
    NO_SERVICE_ACCOUNT_KEYS,
)
from policy.resources import DATASET, DATASET_ACCESS
from tests.policy.resource_args import UNKNOWN, resource_args, violations

PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
BUCKET_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
DATASET_MEMBER = "gcp:bigquery/datasetIamMember:DatasetIamMember"
PROJECT_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
RUNNER = "serviceAccount:runner@proj.iam.gserviceaccount.com"

# The dataset's authoritative access list, as the program declares it: legacy roles, default project grants.
DATASET_ACCESSES = [
    {"role": "OWNER", "specialGroup": "projectOwners"},
    {"role": "WRITER", "specialGroup": "projectWriters"},
    {"role": "READER", "specialGroup": "projectReaders"},
    {"role": "WRITER", "userByEmail": "runner@proj.iam.gserviceaccount.com"},
]


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (PROJECT_MEMBER, {"role": "roles/dataproc.worker", "member": RUNNER}),
        (BUCKET_BINDING, {"role": "roles/storage.objectViewer", "members": [RUNNER]}),
        (DATASET, {"datasetId": "sales", "accesses": DATASET_ACCESSES}),
        (DATASET_ACCESS, {"role": "READER", "groupByEmail": "analysts@example.com"}),
    ],
)
def test_grants_to_named_principals_with_predefined_roles_pass(
    resource_type: str, props: dict[str, object]
) -> None:
    args = resource_args(resource_type, props)
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == []
    assert violations(IAM_NO_BASIC_ROLES, args) == []
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == []


def test_a_bucket_grant_to_all_users_is_reported() -> None:
    args = resource_args(
        BUCKET_MEMBER, {"role": "roles/storage.objectViewer", "member": "allUsers"}, name="leak"
    )
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        "BucketIAMMember 'leak' grants roles/storage.objectViewer to allUsers: "
        "public principals are not allowed; grant to a named service account or group"
    ]


def test_a_binding_that_includes_all_authenticated_users_is_reported() -> None:
    props = {"role": "roles/storage.objectViewer", "members": [RUNNER, "allAuthenticatedUsers"]}
    reported = violations(IAM_NO_PUBLIC_MEMBERS, resource_args(BUCKET_BINDING, props, name="b"))
    assert reported == [
        "BucketIAMBinding 'b' grants roles/storage.objectViewer to allAuthenticatedUsers: "
        "public principals are not allowed; grant to a named service account or group"
    ]


def test_a_dataset_access_entry_for_all_authenticated_users_is_reported() -> None:
    accesses = [*DATASET_ACCESSES, {"role": "READER", "specialGroup": "allAuthenticatedUsers"}]
    args = resource_args(DATASET, {"accesses": accesses}, name="warehouse")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        "Dataset 'warehouse' grants READER to allAuthenticatedUsers: "
        "public principals are not allowed; grant to a named service account or group"
    ]


def test_a_dataset_access_resource_for_all_users_is_reported() -> None:
    args = resource_args(DATASET_ACCESS, {"role": "READER", "iamMember": "allUsers"}, name="open")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"DatasetAccess 'open' grants READER to allUsers: {_PUBLIC}"
    ]


def test_a_project_grant_of_editor_is_reported() -> None:
    args = resource_args(PROJECT_MEMBER, {"role": "roles/editor", "member": RUNNER}, name="runner-editor")
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        f"IAMMember 'runner-editor' grants basic role roles/editor to {RUNNER}: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]


@pytest.mark.parametrize("role", ["roles/owner", "roles/viewer"])
def test_dataset_grants_of_owner_or_viewer_are_reported(role: str) -> None:
    args = resource_args(DATASET_MEMBER, {"role": role, "member": RUNNER}, name="ds")
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        f"DatasetIamMember 'ds' grants basic role {role} to {RUNNER}: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]


def test_a_basic_role_in_a_dataset_access_list_is_reported() -> None:
    accesses = [*DATASET_ACCESSES, {"role": "roles/viewer", "domain": "example.com"}]
    args = resource_args(DATASET, {"accesses": accesses}, name="warehouse")
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        "Dataset 'warehouse' grants basic role roles/viewer to domain:example.com: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]


def test_an_authoritative_policy_document_is_read_binding_by_binding() -> None:
    document = {
        "bindings": [
            {"role": "roles/dataproc.worker", "members": [RUNNER]},
            {"role": "roles/owner", "members": ["user:admin@example.com", "allUsers"]},
        ]
    }
    args = resource_args(PROJECT_POLICY, {"policyData": json.dumps(document)}, name="policy")
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        "IAMPolicy 'policy' grants basic role roles/owner to user:admin@example.com: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)",
        "IAMPolicy 'policy' grants basic role roles/owner to allUsers: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)",
    ]
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"IAMPolicy 'policy' grants roles/owner to allUsers: {_PUBLIC}"
    ]


def test_an_unreadable_policy_document_is_reported_once_not_skipped() -> None:
    args = resource_args(PROJECT_POLICY, {"policyData": "{not json"}, name="policy")
    [message] = violations(IAM_NO_PUBLIC_MEMBERS, args)
    assert message.startswith(
        "gcp:projects/iAMPolicy:IAMPolicy 'policy': policyData is not a JSON IAM policy ("
    )
    # The role policies read the same document: they leave the report to iam-no-public-members.
    assert violations(IAM_NO_BASIC_ROLES, args) == []
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == []


@pytest.mark.parametrize(
    "document",
    [
        "null",
        "[]",
        '{"bindings": {"role": "roles/owner"}}',
        '{"bindings": [1]}',
        '{"bindings": [{"role": "roles/viewer", "members": "allUsers"}]}',  # not walked letter by letter
        '{"bindings": [{"role": "roles/viewer", "members": [["allUsers"]]}]}',
        '{"bindings": [{"role": ["roles/owner"], "members": ["user:a@example.com"]}]}',
    ],
)
def test_a_policy_document_that_is_json_but_not_a_policy_is_reported(document: str) -> None:
    args = resource_args(PROJECT_POLICY, {"policyData": document}, name="policy")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        "gcp:projects/iAMPolicy:IAMPolicy 'policy': policyData is not a JSON IAM policy "
        "(an object with a list of bindings, each a role and a list of members, as text)"
    ]


def test_a_policy_document_is_read_as_the_provider_reads_it_field_names_ignoring_case() -> None:
    """The provider decodes the document with Go, which matches `Bindings` to `bindings`."""
    document = '{"Bindings": [{"ROLE": "roles/owner", "Members": ["allUsers"]}]}'
    args = resource_args(PROJECT_POLICY, {"policyData": document}, name="policy")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"IAMPolicy 'policy' grants roles/owner to allUsers: {_PUBLIC}"
    ]
    assert len(violations(IAM_NO_BASIC_ROLES, args)) == 1


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ('{"bindings": [], "BINDINGS": [{"role": "roles/owner", "members": ["allUsers"]}]}', "BINDINGS"),
        ('{"bindings": [{"role": "roles/viewer", "Role": "roles/owner", "members": ["allUsers"]}]}', "Role"),
        ('{"bindings": [{"role": "roles/viewer", "role": "roles/owner", "members": ["allUsers"]}]}', "role"),
    ],
)
def test_a_policy_document_naming_a_field_twice_is_reported_as_unreadable(document: str, field: str) -> None:
    args = resource_args(PROJECT_POLICY, {"policyData": document}, name="policy")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"gcp:projects/iAMPolicy:IAMPolicy 'policy': policyData names the field \"{field}\" twice, ignoring "
        "case, as Google's provider reads it: which one counts is not clear"
    ]


@pytest.mark.parametrize(
    "document", ['{"bindings": null}', '{"bindings": [{"role": "roles/viewer", "members": null}]}']
)
def test_a_policy_document_with_null_lists_grants_nothing(document: str) -> None:
    args = resource_args(PROJECT_POLICY, {"policyData": document}, name="policy")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == []
    assert violations(IAM_NO_BASIC_ROLES, args) == []


@pytest.mark.parametrize(
    ("member", "role"),
    [("AllUsers", "roles/viewer"), (" allUsers", "roles/viewer"), ("ALLAUTHENTICATEDUSERS", "roles/owner ")],
)
def test_members_and_roles_are_compared_ignoring_case_and_surrounding_spaces(member: str, role: str) -> None:
    args = resource_args(PROJECT_MEMBER, {"role": role, "member": member}, name="variant")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"IAMMember 'variant' grants {role} to {member}: {_PUBLIC}"
    ]
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        f"IAMMember 'variant' grants basic role {role} to {member}: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]


def test_a_preview_reports_what_it_knows_of_a_grant_whose_member_is_not_known_yet() -> None:
    member = resource_args(
        "gcp:projects/iAMMember:IAMMember", {"role": "roles/editor", "member": UNKNOWN}, name="grant"
    )
    assert violations(IAM_NO_BASIC_ROLES, member) == [
        "IAMMember 'grant' grants basic role roles/editor to (a member known only when the update runs): "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]
    assert violations(IAM_NO_PUBLIC_MEMBERS, member) == []
    binding = resource_args(
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        {"role": "roles/storage.objectViewer", "members": [UNKNOWN, "allUsers"]},
        name="readers",
    )
    assert violations(IAM_NO_PUBLIC_MEMBERS, binding) == [
        "BucketIAMBinding 'readers' grants roles/storage.objectViewer to allUsers: public principals are "
        "not allowed; grant to a named service account or group"
    ]


def test_a_preview_checks_known_dataset_access_entries_and_bindings_of_unknown_members() -> None:
    accesses = [
        {"role": "WRITER", "userByEmail": UNKNOWN},
        {"role": "READER", "specialGroup": "allAuthenticatedUsers"},
        {"role": "OWNER", "groupByEmail": "admins@example.com"},
    ]
    dataset = resource_args(DATASET, {"datasetId": "sales", "accesses": accesses}, name="sales")
    assert violations(IAM_NO_PUBLIC_MEMBERS, dataset) == [
        "Dataset 'sales' grants READER to allAuthenticatedUsers: public principals are not allowed; grant to "
        "a named service account or group"
    ]
    assert violations(IAM_NO_BASIC_ROLES, dataset) == []  # legacy dataset roles are not the basic roles
    binding = resource_args(BUCKET_BINDING, {"role": "roles/editor", "members": UNKNOWN}, name="editors")
    assert violations(IAM_NO_BASIC_ROLES, binding) == [
        "BucketIAMBinding 'editors' grants basic role roles/editor to (a member known only when the update "
        "runs): use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]
    assert violations(IAM_NO_PUBLIC_MEMBERS, binding) == []
    nobody = resource_args(BUCKET_BINDING, {"role": "roles/editor", "members": None}, name="nobody")
    assert violations(IAM_NO_BASIC_ROLES, nobody) == []  # no member, no grant


def test_iam_rules_ignore_resources_that_grant_nothing() -> None:
    args = resource_args("gcp:storage/bucket:Bucket", {"name": "allUsers", "labels": {"role": "roles/owner"}})
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == []
    assert violations(IAM_NO_BASIC_ROLES, args) == []


SERVICE_ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
_PRIVILEGED = (
    "it lets the grantee act as other identities, change IAM or lift a guardrail, even when granted on one "
    "resource (a service account the stack runs as included); an administrator grants it outside the stack "
    "(README, Prerequisites)"
)
_CUSTOM_ROLE = (
    "it lets the role's holders act as other identities, change IAM or lift a guardrail; leave it out of the "
    "role, and let an administrator grant it outside the stack"
)


@pytest.mark.parametrize(
    "role",
    [
        "roles/iam.securityAdmin",
        "roles/iam.roleAdmin",
        "roles/iam.organizationRoleAdmin",
        "roles/resourcemanager.projectIamAdmin",
        "roles/resourcemanager.folderIamAdmin",
        "roles/resourcemanager.organizationAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.serviceAccountOpenIdTokenCreator",
        "roles/iam.serviceAccountUser",
        "roles/iam.workloadIdentityUser",
        "roles/iam.workloadIdentityPoolAdmin",
        "roles/iam.denyAdmin",
        "roles/storage.hmacKeyAdmin",
        "roles/bigquery.admin",
        "roles/bigquery.dataOwner",
        "roles/storage.admin",
        "roles/storage.legacyBucketOwner",
        "roles/dataproc.admin",
        "roles/cloudkms.admin",
        "roles/resourcemanager.folderAdmin",
        "roles/orgpolicy.policyAdmin",
        "roles/accesscontextmanager.policyAdmin",
        "roles/accesscontextmanager.policyEditor",
        "roles/privilegedaccessmanager.admin",
        "roles/iam.workforcePoolAdmin",
        "roles/deploymentmanager.editor",
        "roles/cloudbuild.builds.editor",
        "OWNER",
        # Any service's administrator, who may set the IAM policy of its resources.
        "roles/pubsub.admin",
        "roles/secretmanager.admin",
        "roles/run.admin",
        "Roles/Compute.Admin",
    ],
)
@pytest.mark.parametrize(
    ("resource_type", "shown"),
    [
        (PROJECT_MEMBER, "IAMMember"),
        (SERVICE_ACCOUNT_MEMBER, "IAMMember"),
        (DATASET_MEMBER, "DatasetIamMember"),
    ],
)
def test_a_grant_of_a_role_that_controls_iam_or_identities_is_reported(
    resource_type: str, shown: str, role: str
) -> None:
    args = resource_args(resource_type, {"role": role, "member": RUNNER}, name="escalate")
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == [
        f"{shown} 'escalate' grants privileged role {role} to {RUNNER}: {_PRIVILEGED}"
    ]
    assert violations(IAM_NO_BASIC_ROLES, args) == []


def test_an_entitlement_grants_its_roles_to_whoever_may_request_them() -> None:
    """Privileged Access Manager grants an entitlement's roles on request, to each eligible principal."""
    entitlement = {
        "eligibleUsers": [{"principals": ["user:oncall@example.com"]}],
        "privilegedAccess": {
            "gcpIamAccess": {
                "roleBindings": [{"role": "roles/owner"}, {"role": "roles/iam.serviceAccountUser"}]
            }
        },
    }
    args = resource_args(
        "gcp:privilegedaccessmanager/entitlement:entitlement", entitlement, name="break-glass"
    )
    assert violations(IAM_NO_BASIC_ROLES, args) == [
        "entitlement 'break-glass' grants basic role roles/owner to user:oncall@example.com: use a "
        "predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == [
        "entitlement 'break-glass' grants privileged role roles/iam.serviceAccountUser to "
        f"user:oncall@example.com: {_PRIVILEGED}"
    ]


def test_privileged_roles_are_found_in_policy_documents_and_bindings_of_unknown_members() -> None:
    document = {"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": ["group:ci@example.com"]}]}
    policy = resource_args(PROJECT_POLICY, {"policyData": json.dumps(document)}, name="policy")
    assert violations(IAM_NO_PRIVILEGED_ROLES, policy) == [
        "IAMPolicy 'policy' grants privileged role roles/iam.workloadIdentityUser to group:ci@example.com: "
        + _PRIVILEGED
    ]
    binding = resource_args(
        BUCKET_BINDING, {"role": "roles/iam.serviceAccountAdmin", "members": UNKNOWN}, name="admins"
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, binding) == [
        "BucketIAMBinding 'admins' grants privileged role roles/iam.serviceAccountAdmin to (a member known "
        f"only when the update runs): {_PRIVILEGED}"
    ]


def test_a_legacy_owner_entry_is_privileged_except_for_the_projects_own_owners() -> None:
    """A dataset's OWNER may share it with anyone; the project's owners hold that already."""
    outsider = resource_args(
        DATASET_ACCESS, {"role": "OWNER", "userByEmail": "someone@example.com"}, name="share"
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, outsider) == [
        f"DatasetAccess 'share' grants privileged role OWNER to user:someone@example.com: {_PRIVILEGED}"
    ]
    for role in ("OWNER", "roles/bigquery.dataOwner"):  # BigQuery reads the second as the first
        owners = resource_args(DATASET_ACCESS, {"role": role, "specialGroup": "projectOwners"}, name="owners")
        assert violations(IAM_NO_PRIVILEGED_ROLES, owners) == []


def test_a_buckets_default_acl_restated_is_no_privileged_grant_but_an_owner_beyond_it_is() -> None:
    """Cloud Storage's default ACL makes the project's owners and editors OWNER."""
    defaults = ["OWNER:project-owners-123", "OWNER:project-editors-123", "READER:project-viewers-123"]
    acl = resource_args("gcp:storage/bucketACL:BucketACL", {"roleEntities": defaults}, name="acl")
    assert violations(IAM_NO_PRIVILEGED_ROLES, acl) == []
    wider = resource_args(
        "gcp:storage/bucketACL:BucketACL",
        {"roleEntities": [*defaults, "OWNER:user-a@example.com"]},
        name="acl",
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, wider) == [
        f"BucketACL 'acl' grants privileged role OWNER to user-a@example.com: {_PRIVILEGED}"
    ]


def test_a_buckets_default_iam_restated_is_no_privileged_grant_but_its_members_get_no_other_role() -> None:
    """A bucket's default IAM policy makes the project's owners and editors legacy bucket owners."""
    defaults = ["projectOwner:my-project", "projectEditor:my-project"]
    owners = resource_args(
        BUCKET_BINDING, {"role": "roles/storage.legacyBucketOwner", "members": defaults}, name="owners"
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, owners) == []
    wider = resource_args(
        BUCKET_BINDING,
        {"role": "roles/storage.legacyBucketOwner", "members": [*defaults, "user:a@example.com"]},
        name="owners",
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, wider) == [
        "BucketIAMBinding 'owners' grants privileged role roles/storage.legacyBucketOwner to "
        f"user:a@example.com: {_PRIVILEGED}"
    ]
    editors = resource_args(
        BUCKET_BINDING,
        {"role": "roles/storage.admin", "members": ["projectEditor:my-project"]},
        name="admins",
    )
    assert violations(IAM_NO_PRIVILEGED_ROLES, editors) == [
        "BucketIAMBinding 'admins' grants privileged role roles/storage.admin to projectEditor:my-project: "
        f"{_PRIVILEGED}"
    ]


@pytest.mark.parametrize(
    ("resource_type", "props", "grant"),
    [
        (
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            {"bucket": "b", "role": "roles/storage.admin", "member": "projectOwner:my-project"},
            "roles/storage.admin to projectOwner:my-project",
        ),
        (
            "gcp:serviceaccount/iAMMember:IAMMember",
            {
                "serviceAccountId": "x",
                "role": "roles/iam.serviceAccountTokenCreator",
                "member": "projectOwner:p",
            },
            "roles/iam.serviceAccountTokenCreator to projectOwner:p",
        ),
        (
            DATASET_ACCESS,
            {"role": "roles/bigquery.admin", "specialGroup": "projectOwners"},
            "roles/bigquery.admin to projectOwners",
        ),
    ],
)
def test_the_projects_default_owners_get_no_privileged_role_beyond_the_legacy_owner_ones(
    resource_type: str, props: dict[str, str], grant: str
) -> None:
    args = resource_args(resource_type, props, name="grant")
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == [
        f"{resource_type.rsplit(':', 1)[-1]} 'grant' grants privileged role {grant}: {_PRIVILEGED}"
    ]


CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"


@pytest.mark.parametrize(
    "permission",
    [
        "resourcemanager.projects.setIamPolicy",
        "storage.buckets.setIamPolicy",
        "iam.serviceAccounts.actAs",
        "iam.serviceAccounts.getAccessToken",
        "iam.serviceAccounts.getOpenIdToken",
        "iam.serviceAccounts.implicitDelegation",
        "iam.serviceAccounts.signBlob",
        "iam.serviceAccounts.signJwt",
        "iam.serviceAccountKeys.create",
        "storage.hmacKeys.create",
        "iam.roles.create",
        "iam.roles.update",
        "bigquery.datasets.update",
        "iam.denypolicies.create",
        "iam.denypolicies.update",
        "iam.denypolicies.delete",
        "orgpolicy.policy.set",
        "orgpolicy.policies.create",
        "orgpolicy.policies.update",
        "orgpolicy.policies.delete",
        "accesscontextmanager.servicePerimeters.update",
        "accesscontextmanager.servicePerimeters.delete",
        "accesscontextmanager.servicePerimeters.commit",
        "accesscontextmanager.servicePerimeters.replaceAll",
        "accesscontextmanager.accessLevels.update",
        "privilegedaccessmanager.entitlements.create",
        "privilegedaccessmanager.entitlements.update",
        "iam.workloadIdentityPoolProviders.create",
        "iam.workloadIdentityPoolProviders.update",
        "iam.workforcePoolProviders.create",
        "iam.workforcePoolProviders.update",
        "cloudbuild.builds.create",
        "deploymentmanager.deployments.create",
        "deploymentmanager.deployments.update",
        "IAM.serviceAccounts.ACTAS",  # compared ignoring case, as roles are
    ],
)
@pytest.mark.parametrize("resource_type", [CUSTOM_ROLE, "gcp:organizations/iAMCustomRole:IAMCustomRole"])
def test_a_custom_role_holding_a_privileged_permission_is_reported(
    resource_type: str, permission: str
) -> None:
    permissions = ["bigquery.tables.getData", permission]
    args = resource_args(resource_type, {"roleId": "ops", "permissions": permissions}, name="ops")
    assert violations(IAM_NO_PRIVILEGED_ROLES, args) == [
        f"IAMCustomRole 'ops' holds privileged permission {permission}: {_CUSTOM_ROLE}"
    ]


def test_a_custom_role_of_data_permissions_passes_and_unknown_permissions_wait_for_the_update() -> None:
    reader = ["bigquery.tables.get", "bigquery.tables.getData", "storage.objects.get"]
    assert violations(IAM_NO_PRIVILEGED_ROLES, resource_args(CUSTOM_ROLE, {"permissions": reader})) == []
    assert violations(IAM_NO_PRIVILEGED_ROLES, resource_args(CUSTOM_ROLE, {"permissions": UNKNOWN})) == []
    partly = resource_args(CUSTOM_ROLE, {"permissions": [UNKNOWN, "iam.roles.update"]}, name="partly")
    assert violations(IAM_NO_PRIVILEGED_ROLES, partly) == [
        f"IAMCustomRole 'partly' holds privileged permission iam.roles.update: {_CUSTOM_ROLE}"
    ]


@pytest.mark.parametrize(
    ("resource_type", "shown", "key"),
    [
        ("gcp:serviceaccount/key:Key", "Key", "a service account key"),
        ("gcp:storage/hmacKey:HmacKey", "HmacKey", "an HMAC key"),
    ],
)
def test_a_long_lived_service_account_key_is_reported(resource_type: str, shown: str, key: str) -> None:
    args = resource_args(resource_type, {"serviceAccountId": "runner"}, name="ci-key")
    assert violations(NO_SERVICE_ACCOUNT_KEYS, args) == [
        f"{shown} 'ci-key' creates {key}, a long-lived secret that works from anywhere once leaked (and sits "
        "in the stack's state): let workloads run as the account and people impersonate it (Workload "
        "Identity Federation, short-lived tokens)"
    ]


@pytest.mark.parametrize("email", ["runner@proj.iam.gserviceaccount.com", UNKNOWN])
def test_an_api_key_bound_to_a_service_account_is_reported(email: object) -> None:
    args = resource_args("gcp:projects/apiKey:ApiKey", {"serviceAccountEmail": email}, name="maps")
    assert violations(NO_SERVICE_ACCOUNT_KEYS, args) == [
        "ApiKey 'maps' creates an API key bound to a service account, which authenticates as that account, "
        "a long-lived secret that works from anywhere once leaked (and sits in the stack's state): let "
        "workloads run as the account and people impersonate it (Workload Identity Federation, short-lived "
        "tokens)"
    ]


def test_an_api_key_bound_to_no_service_account_is_not_a_service_account_key() -> None:
    args = resource_args("gcp:projects/apiKey:ApiKey", {"displayName": "maps"})
    assert violations(NO_SERVICE_ACCOUNT_KEYS, args) == []


def test_a_service_account_itself_is_not_a_key() -> None:
    args = resource_args("gcp:serviceaccount/account:Account", {"accountId": "runner"})
    assert violations(NO_SERVICE_ACCOUNT_KEYS, args) == []


_PUBLIC = "public principals are not allowed; grant to a named service account or group"


@pytest.mark.parametrize(
    ("resource_type", "props", "reported"),
    [
        (
            "gcp:storage/bucketAccessControl:BucketAccessControl",
            {"bucket": "b", "entity": "allUsers", "role": "READER"},
            ["BucketAccessControl 'acl' grants READER to allUsers"],
        ),
        (
            "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
            {"bucket": "b", "entity": "allAuthenticatedUsers", "role": "READER"},
            ["DefaultObjectAccessControl 'acl' grants READER to allAuthenticatedUsers"],
        ),
        (
            "gcp:storage/bucketACL:BucketACL",
            {"bucket": "b", "roleEntities": ["OWNER:project-owners-123", "READER:allUsers"]},
            ["BucketACL 'acl' grants READER to allUsers"],
        ),
        (
            "gcp:storage/objectACL:ObjectACL",
            {"bucket": "b", "object": "o", "predefinedAcl": "publicRead"},
            ["ObjectACL 'acl' grants predefined ACL publicRead to allUsers"],
        ),
        (
            "gcp:storage/bucketACL:BucketACL",
            {"bucket": "b", "predefinedAcl": "authenticatedRead"},
            ["BucketACL 'acl' grants predefined ACL authenticatedRead to allAuthenticatedUsers"],
        ),
        (
            "gcp:storage/bucketACL:BucketACL",
            {"bucket": "b", "predefinedAcl": "publicReadWrite"},
            ["BucketACL 'acl' grants predefined ACL publicReadWrite to allUsers"],
        ),
        (
            "gcp:storage/bucketACL:BucketACL",
            {"bucket": "b", "defaultAcl": "publicRead"},  # every new object's ACL
            ["BucketACL 'acl' grants predefined ACL publicRead to allUsers"],
        ),
        (
            "gcp:storage/bucketACL:BucketACL",
            {"bucket": "b", "roleEntities": "READER:allAuthenticatedUsers"},
            ["BucketACL 'acl' grants READER to allAuthenticatedUsers"],
        ),
        ("gcp:storage/bucketACL:BucketACL", {"bucket": "b", "predefinedAcl": "projectPrivate"}, []),
        (
            "gcp:storage/objectAccessControl:ObjectAccessControl",
            {"bucket": "b", "object": "o", "entity": "user-analyst@example.com", "role": "READER"},
            [],
        ),
    ],
)
def test_public_cloud_storage_acls_are_reported(
    resource_type: str, props: dict[str, object], reported: list[str]
) -> None:
    args = resource_args(resource_type, props, name="acl")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [f"{grant}: {_PUBLIC}" for grant in reported]


@pytest.mark.parametrize(
    ("resource_type", "kind"),
    [
        ("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "BucketIAMPolicy"),
        ("gcp:bigquery/datasetIamPolicy:DatasetIamPolicy", "DatasetIamPolicy"),
        ("gcp:serviceaccount/iAMPolicy:IAMPolicy", "IAMPolicy"),
    ],
)
def test_a_public_member_in_any_resources_policy_document_is_reported(resource_type: str, kind: str) -> None:
    document = {"bindings": [{"role": "roles/storage.objectViewer", "members": [RUNNER, "allUsers"]}]}
    args = resource_args(resource_type, {"policyData": json.dumps(document)}, name="policy")
    assert violations(IAM_NO_PUBLIC_MEMBERS, args) == [
        f"{kind} 'policy' grants roles/storage.objectViewer to allUsers: {_PUBLIC}"
    ]


def test_a_public_member_is_reported_while_its_role_is_not_known_yet() -> None:
    """A custom role is known only once created: the member alone already breaks the rule."""
    role = "(a role known only when the update runs)"
    member = resource_args(PROJECT_MEMBER, {"role": UNKNOWN, "member": "allUsers"}, name="m")
    assert violations(IAM_NO_PUBLIC_MEMBERS, member) == [
        f"IAMMember 'm' grants {role} to allUsers: {_PUBLIC}"
    ]
    assert violations(IAM_NO_BASIC_ROLES, member) == []
    accesses = [{"role": UNKNOWN, "specialGroup": "allAuthenticatedUsers"}]
    dataset = resource_args(DATASET, {"datasetId": "sales", "accesses": accesses}, name="sales")
    assert violations(IAM_NO_PUBLIC_MEMBERS, dataset) == [
        f"Dataset 'sales' grants {role} to allAuthenticatedUsers: {_PUBLIC}"
    ]


def test_members_given_as_one_text_are_one_member() -> None:
    binding = resource_args(BUCKET_BINDING, {"role": "roles/editor", "members": "allUsers"}, name="b")
    assert violations(IAM_NO_PUBLIC_MEMBERS, binding) == [
        f"BucketIAMBinding 'b' grants roles/editor to allUsers: {_PUBLIC}"
    ]
    assert violations(IAM_NO_BASIC_ROLES, binding) == [
        "BucketIAMBinding 'b' grants basic role roles/editor to allUsers: "
        "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ]


# An authorized view: the dataset lets the view read it, whoever queries the view; it names no principal.
AUTHORIZED_VIEW = {"view": {"projectId": "proj", "datasetId": "reports", "tableId": "daily_orders"}}


@pytest.mark.parametrize("policy", [IAM_NO_PUBLIC_MEMBERS, IAM_NO_BASIC_ROLES])
def test_an_authorized_view_access_is_no_grant_to_report(policy: ResourceValidationPolicy) -> None:
    assert violations(policy, resource_args(DATASET_ACCESS, AUTHORIZED_VIEW, name="view")) == []
    dataset = resource_args(DATASET, {"accesses": [*DATASET_ACCESSES, AUTHORIZED_VIEW]}, name="sales")
    assert violations(policy, dataset) == []


def test_an_authorized_view_beside_a_public_entry_leaves_the_public_one_reported() -> None:
    accesses = [AUTHORIZED_VIEW, {"role": "READER", "specialGroup": "allUsers"}]
    dataset = resource_args(DATASET, {"accesses": accesses}, name="sales")
    assert violations(IAM_NO_PUBLIC_MEMBERS, dataset) == [
        f"Dataset 'sales' grants READER to allUsers: {_PUBLIC}"
    ]
    assert violations(IAM_NO_BASIC_ROLES, dataset) == []
