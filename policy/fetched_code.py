"""Where a Spark batch's code may come from as it starts: Cloud Storage, or its runtime image's own files.

The policy pack's `batch-code-in-storage` holds any program to it; the stack config checks its own
`sparkProperties` against it before a preview. Plain Python, so that the program imports it without the
pack's packages.
"""

import re

PACKAGE_PROPERTIES = ("spark.jars.packages", "spark.jars.repositories")
"""Properties that make Spark download packages from a Maven or Ivy repository as it starts."""
HIVE_JARS, FROM_MAVEN = "spark.sql.hive.metastore.jars", "maven"
"""With this property set to this value, Spark downloads the Hive metastore's jars from Maven."""
FILE_PROPERTIES = (
    "spark.jars",
    "spark.files",
    "spark.submit.pyFiles",
    "spark.archives",
    "spark.sql.hive.metastore.jars.path",
)
"""Properties naming files Spark fetches as it starts, separated by commas."""

# Cloud Storage, or the image's files: Spark's file: and local: schemes, or a path with no scheme. Anything
# else (https:, s3a:, ...) is fetched from outside when the batch starts.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_STORED_SCHEMES = frozenset({"gs", "file", "local"})


def is_stored(uri: str) -> bool:
    """Whether `uri` names a file in Cloud Storage or the runtime image (past what Java trims around it)."""
    scheme = _SCHEME.match(java_trimmed(uri))
    return scheme is None or scheme[1].lower() in _STORED_SCHEMES


def downloads_packages(name: str, value: object) -> bool:
    """Whether Spark property `name` set to `value` downloads packages from a repository as a batch starts:
    unpinned code, and the stack's subnet has no route to the internet. Spark compares `maven` exactly; any
    case and spaces are refused too, as a slip of the same intent."""
    if name == HIVE_JARS:
        return isinstance(value, str) and value.strip().lower() == FROM_MAVEN
    return name in PACKAGE_PROPERTIES and bool(value)


def listed_files(name: str, value: str) -> list[str]:
    """The URIs of the files Spark property `name` set to `value` fetches as a batch starts; none for a
    property that names no files."""
    if name not in FILE_PROPERTIES:
        return []
    return [uri for uri in (java_trimmed(part) for part in value.split(",")) if uri]


def java_trimmed(text: str) -> str:
    """`text` as Java's String.trim leaves it, which Spark applies to each item of a list property: without
    the characters up to the space around it (Python's strip keeps control characters, takes more spaces)."""
    return text.strip(_UP_TO_SPACE)


_UP_TO_SPACE = "".join(map(chr, range(0x21)))
