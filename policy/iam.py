"""IAM grants anywhere (project, bucket, dataset, table, service account, key...): never public, never basic,
never one that hands out control of IAM itself; and no long-lived keys for service accounts.

Every Google provider IAM resource is recognised by its class name (`...IAMMember`, `...IamBinding`,
`...IAMPolicy`), so new resource families are covered without listing them. BigQuery datasets also grant
access through their own `accesses` list and through `DatasetAccess` resources, Cloud Storage through its
legacy ACLs (`...AccessControl` entries, `...ACL` lists and predefined ACLs), and Privileged Access Manager
through entitlements (roles on request): those entries count too.
"""

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from pulumi_policy import ReportViolation, ResourceValidation, ResourceValidationArgs

from policy.declare import mandatory
from policy.resources import (
    DATASET,
    DATASET_ACCESS,
    NOT_KNOWN_YET,
    PAM_ENTITLEMENT,
    as_list,
    known,
    known_items,
    nested,
    resource_class,
)


def _folded(text: Any) -> str:
    """Members, roles and permissions are compared as IAM may read them, ignoring case and surrounding
    spaces: a variant that the API accepts must not slip past a rule written for the canonical spelling."""
    return str(text).strip().casefold()


PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_PUBLIC_FOLDED = frozenset(map(_folded, PUBLIC_MEMBERS))
# A member or role that a preview does not know yet: the other alone may already break a rule.
UNKNOWN_MEMBER = "(a member known only when the update runs)"
UNKNOWN_ROLE = "(a role known only when the update runs)"
# Cloud Storage's predefined ACLs that make a bucket or object public, and to whom.
_PUBLIC_PREDEFINED_ACLS = {
    "publicRead": "allUsers",
    "publicReadWrite": "allUsers",
    "authenticatedRead": "allAuthenticatedUsers",
}
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
# Roles whose holder can change who holds which role (on the project, a folder, a dataset, a bucket, a
# key), lift a guardrail (a deny policy, an organization policy, a service perimeter), or act as a service
# account or mint its credentials (tokens, OpenID tokens, HMAC keys, builds and deployments run as Google's
# own accounts): granted by a stack, they would hand out far more than the pipeline's own access.
# Administrators grant them outside the stack, to named people. A dataset's or an ACL's legacy OWNER is one.
PRIVILEGED_ROLES = frozenset(
    {
        "OWNER",
        "roles/bigquery.dataOwner",
        "roles/storage.legacyBucketOwner",
        "roles/resourcemanager.folderAdmin",
        "roles/orgpolicy.policyAdmin",
        "roles/accesscontextmanager.policyAdmin",
        "roles/accesscontextmanager.policyEditor",
        "roles/iam.workforcePoolAdmin",
        "roles/deploymentmanager.editor",
        "roles/cloudbuild.builds.editor",
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
    }
)
# A service's administrator role (`roles/bigquery.admin`, `roles/storage.admin`, `roles/cloudkms.admin`,
# `roles/pubsub.admin`...): most of them may set the IAM policy of the service's resources, so all count as
# privileged, even the few that cannot (`roles/logging.admin`): a stack grants none of them.
SERVICE_ADMIN_ROLE = re.compile(r"roles/[a-z0-9]+\.admin")
# Those whom Google's own defaults make owners: the project's owners, by a dataset's special group, a legacy
# ACL's entity or a bucket's IAM member, and its editors, whom a bucket's default ACL makes OWNER too.
# Restating those defaults grants nothing new, but only with the legacy owner roles the defaults give: any
# other privileged role to them is a grant like any other. (A member names its project, which the pack
# cannot tell from the stack's own: such a grant must still be read in review.)
_DEFAULT_OWNERS = re.compile(r"projectOwners|project-(owners|editors)-[0-9]+|projectOwner:.+", re.IGNORECASE)
# A bucket's default IAM policy also makes the project's editors legacy bucket owners: that grant, and only
# that one, restates a default.
_DEFAULT_BUCKET_OWNERS = re.compile(r"projectEditor:.+", re.IGNORECASE)
_LEGACY_BUCKET_OWNER = "roles/storage.legacybucketowner"
# BigQuery reads a dataset's roles/bigquery.dataOwner as its legacy OWNER.
_LEGACY_OWNER_ROLES = frozenset({"owner", "roles/bigquery.dataowner", _LEGACY_BUCKET_OWNER})

# Permissions that make a custom role as privileged as those roles: changing IAM anywhere (or a dataset's
# access list), acting as a service account or minting its credentials, writing roles, lifting a guardrail
# (deny policies, organization policies, service perimeters), granting access on demand, trusting outside
# identities, or running builds and deployments as Google's own accounts.
PRIVILEGED_PERMISSIONS = frozenset(
    {
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
    }
)
_SET_IAM_POLICY = ".setiampolicy"
# Long-lived secrets for a service account: a JSON key, or an HMAC key for Cloud Storage's XML API.
SERVICE_ACCOUNT_KEYS = {
    "gcp:serviceaccount/key:Key": "a service account key",
    "gcp:storage/hmacKey:HmacKey": "an HMAC key",
}
# An API key is a secret of its own kind, but bound to a service account it works as one of its keys.
API_KEY = "gcp:projects/apiKey:ApiKey"
CUSTOM_ROLES = frozenset(
    {"gcp:projects/iAMCustomRole:IAMCustomRole", "gcp:organizations/iAMCustomRole:IAMCustomRole"}
)
_STORAGE = "gcp:storage/"

# A dataset access entry names its grantee in exactly one of these fields; the prefix makes it an IAM member.
_ACCESS_GRANTEE_FIELDS = {
    "iamMember": "",
    "specialGroup": "",
    "userByEmail": "user:",
    "groupByEmail": "group:",
    "domain": "domain:",
}


class Grant(NamedTuple):
    role: str
    member: str


class PolicyDataError(ValueError):
    """An IAM policy document that cannot be read, so its grants cannot be checked."""


def _access_grant(access: Mapping[str, Any]) -> Grant | None:
    for field, prefix in _ACCESS_GRANTEE_FIELDS.items():
        grantee = known(access, field, UNKNOWN_MEMBER)
        if grantee:
            member = grantee if grantee == UNKNOWN_MEMBER else prefix + str(grantee)
            return Grant(str(_role(access)), member)
    return None


def _role(props: Mapping[str, Any]) -> Any:
    return known(props, "role", UNKNOWN_ROLE, absent="")


def _storage_acl_grants(kind: str, props: Mapping[str, Any]) -> Iterator[Grant]:
    """Grants of Cloud Storage's legacy ACLs: an entry (role and entity), a list of `ROLE:entity`, or a
    predefined ACL."""
    if kind.endswith("accesscontrol"):
        yield Grant(_role(props), known(props, "entity", UNKNOWN_MEMBER, absent=""))
        return
    for entry in known_items(as_list(known(props, "roleEntities", None))):
        role, _, entity = str(entry).partition(":")
        yield Grant(role, entity)
    # A bucket's own predefined ACL, and the one its new objects get (`defaultAcl`).
    for field in ("predefinedAcl", "defaultAcl"):
        predefined = known(props, field, None)
        if predefined in _PUBLIC_PREDEFINED_ACLS:
            yield Grant(f"predefined ACL {predefined}", _PUBLIC_PREDEFINED_ACLS[predefined])


def _folded_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object of a policy document with its field names folded: the provider decodes the document with
    Go, which matches field names ignoring case (`Bindings`, `ROLE`). Two fields that fold alike would leave
    the choice between them to the decoder, so the document is refused."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        folded = name.casefold()
        if folded in fields:
            raise PolicyDataError(
                f"policyData names the field {json.dumps(name)} twice, ignoring case, as Google's provider "
                "reads it: which one counts is not clear"
            )
        fields[folded] = value
    return fields


def _readable(binding: Any) -> bool:
    """Whether a policy document's binding has the shape IAM gives it: a role and members, as text."""
    if not isinstance(binding, dict) or not isinstance(binding.get("role", ""), str):
        return False
    members = _present(binding, "members")
    return isinstance(members, list) and all(isinstance(member, str) for member in members)


def _present(fields: dict[str, Any], name: str) -> Any:
    """A policy document's list field, empty when absent or null (as Go decodes a null into a list)."""
    value = fields.get(name)
    return [] if value is None else value


def _policy_data_grants(policy_data: Any) -> Iterator[Grant]:
    try:
        document = json.loads(policy_data, object_pairs_hook=_folded_fields)
    except (TypeError, json.JSONDecodeError) as error:
        raise PolicyDataError(f"policyData is not a JSON IAM policy ({error})") from error
    bindings = _present(document, "bindings") if isinstance(document, dict) else None
    if not isinstance(bindings, list) or not all(_readable(binding) for binding in bindings):
        raise PolicyDataError(
            "policyData is not a JSON IAM policy "
            "(an object with a list of bindings, each a role and a list of members, as text)"
        )
    for binding in bindings:
        for member in _present(binding, "members"):
            yield Grant(binding.get("role", ""), member)


def grants(resource_type: str, props: Mapping[str, Any]) -> Iterator[Grant]:
    """Every (role, member) pair the resource grants."""
    kind = resource_class(resource_type).lower()
    if kind.endswith("iammember"):
        yield Grant(_role(props), known(props, "member", UNKNOWN_MEMBER, absent=""))
    elif kind.endswith("iambinding"):
        members = as_list(known(props, "members", NOT_KNOWN_YET, absent=[]))
        if members is NOT_KNOWN_YET:  # the whole list is not known yet: the role alone may break a rule
            yield Grant(_role(props), UNKNOWN_MEMBER)
            return
        for index in range(len(members or ())):
            yield Grant(_role(props), known(members, index, UNKNOWN_MEMBER))
    elif kind.endswith("iampolicy"):
        yield from _policy_data_grants(props.get("policyData"))
    elif resource_type.startswith(_STORAGE) and kind.endswith(("accesscontrol", "acl")):
        yield from _storage_acl_grants(kind, props)
    elif resource_type == DATASET_ACCESS:
        grant = _access_grant(props)
        if grant:
            yield grant
    elif resource_type == DATASET:
        # Each entry on its own: one not known yet (the runner's e-mail on a first preview) leaves the others
        # to check.
        for access in known_items(known(props, "accesses", None, absent=None)):
            grant = _access_grant(access)
            if grant:
                yield grant
    elif resource_type == PAM_ENTITLEMENT:
        yield from _entitlement_grants(props)


def _entitlement_grants(props: Mapping[str, Any]) -> Iterator[Grant]:
    """An entitlement's roles, each to every principal eligible to request it: granted on request."""
    bindings = as_list(nested(props, "privilegedAccess", "gcpIamAccess", "roleBindings") or [])
    roles = [known(binding, "role", UNKNOWN_ROLE) for binding in known_items(bindings)]
    principals = [
        principal
        for eligible in known_items(as_list(props.get("eligibleUsers") or []))
        for principal in known_items(as_list(known(eligible, "principals", [], absent=[]) or []))
    ]
    for role in roles:
        for principal in principals or [UNKNOWN_MEMBER]:
            yield Grant(role, principal)


def _checked_grants(args: ResourceValidationArgs, report: ReportViolation | None) -> list[Grant]:
    """The resource's grants; a policy document that cannot be read is reported when `report` is given (by
    one policy, so that it is said once), and grants nothing the others could check."""
    try:
        return list(grants(args.resource_type, args.props))
    except PolicyDataError as error:
        if report is not None:
            report(f"{args.resource_type} '{args.name}': {error}", None)
        return []


def _forbid_public_members(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for grant in _checked_grants(args, report):  # the one policy that reports an unreadable document
        if _folded(grant.member) in _PUBLIC_FOLDED:
            report(
                f"{resource_class(args.resource_type)} '{args.name}' grants {grant.role} to {grant.member}: "
                "public principals are not allowed; grant to a named service account or group",
                None,
            )


def _forbid_roles(
    roles: frozenset[str],
    kind: str,
    advice: str,
    exempt: Callable[[Grant], bool] | None = None,
    role_pattern: re.Pattern[str] | None = None,
) -> ResourceValidation:
    """A check reporting every grant of one of `roles` (or, folded, a role `role_pattern` matches whole),
    called `kind` roles, with `advice`, except those `exempt` says are allowed."""
    folded_roles = frozenset(map(_folded, roles))

    def forbidden(role: str) -> bool:
        return role in folded_roles or (role_pattern is not None and bool(role_pattern.fullmatch(role)))

    def forbid(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for grant in _checked_grants(args, None):
            if exempt is not None and exempt(grant):
                continue
            if forbidden(_folded(grant.role)):
                report(
                    f"{resource_class(args.resource_type)} '{args.name}' grants {kind} role {grant.role} to "
                    f"{grant.member}: {advice}",
                    None,
                )

    return forbid


_PRIVILEGED_ADVICE = (
    "it lets the grantee act as other identities, change IAM or lift a guardrail, even when granted on one "
    "resource (a service account the stack runs as included); an administrator grants it outside the stack "
    "(README, Prerequisites)"
)
_CUSTOM_ROLE_ADVICE = (
    "it lets the role's holders act as other identities, change IAM or lift a guardrail; leave it out of the "
    "role, and let an administrator grant it outside the stack"
)
_PRIVILEGED_PERMISSIONS_FOLDED = frozenset(map(_folded, PRIVILEGED_PERMISSIONS))


def _restates_a_default(grant: Grant) -> bool:
    """Whether `grant` is one of Google's own defaults (see _DEFAULT_OWNERS and _DEFAULT_BUCKET_OWNERS)."""
    member, role = str(grant.member).strip(), _folded(grant.role)
    if role not in _LEGACY_OWNER_ROLES:
        return False
    return bool(_DEFAULT_OWNERS.fullmatch(member)) or (
        role == _LEGACY_BUCKET_OWNER and bool(_DEFAULT_BUCKET_OWNERS.fullmatch(member))
    )


_forbid_privileged_grants = _forbid_roles(
    PRIVILEGED_ROLES, "privileged", _PRIVILEGED_ADVICE, _restates_a_default, SERVICE_ADMIN_ROLE
)


def _forbid_privileged_grants_and_custom_roles(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _forbid_privileged_grants(args, report)
    if args.resource_type not in CUSTOM_ROLES:
        return
    for permission in known_items(as_list(known(args.props, "permissions", None))):
        folded = _folded(permission)
        if folded.endswith(_SET_IAM_POLICY) or folded in _PRIVILEGED_PERMISSIONS_FOLDED:
            report(
                f"{resource_class(args.resource_type)} '{args.name}' holds privileged permission "
                f"{permission}: {_CUSTOM_ROLE_ADVICE}",
                None,
            )


def _forbid_service_account_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = SERVICE_ACCOUNT_KEYS.get(args.resource_type)
    if args.resource_type == API_KEY and known(args.props, "serviceAccountEmail", True):
        key = "an API key bound to a service account, which authenticates as that account"
    if key:
        report(
            f"{resource_class(args.resource_type)} '{args.name}' creates {key}, a long-lived secret that "
            "works from anywhere once leaked (and sits in the stack's state): let workloads run as the "
            "account and people impersonate it (Workload Identity Federation, short-lived tokens)",
            None,
        )


IAM_NO_PUBLIC_MEMBERS = mandatory(
    "iam-no-public-members",
    "No IAM grant or dataset access to allUsers or allAuthenticatedUsers.",
    _forbid_public_members,
)

IAM_NO_BASIC_ROLES = mandatory(
    "iam-no-basic-roles",
    "No IAM grant of the basic (primitive) roles owner, editor or viewer.",
    _forbid_roles(
        BASIC_ROLES, "basic", "use a predefined role scoped to the need (e.g. roles/bigquery.dataEditor)"
    ),
)

IAM_NO_PRIVILEGED_ROLES = mandatory(
    "iam-no-privileged-roles",
    "No IAM grant of a role that controls IAM or acts as a service account (IAM admin, token creator...), "
    "and no custom role holding such a permission.",
    _forbid_privileged_grants_and_custom_roles,
)

NO_SERVICE_ACCOUNT_KEYS = mandatory(
    "no-service-account-keys",
    "No service account key, HMAC key or API key bound to a service account: long-lived secrets that leak.",
    _forbid_service_account_keys,
)
