"""Paths as Hadoop reads them: local or a URI, `..` resolved, globs matched, and the names Spark's scan skips.

The command line uses them to refuse, before a run, an output or a report that would land among its input.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from pathlib import Path


def within(path: str, location: str) -> bool:
    """Whether `path` is `location` or under it, both taken as Hadoop takes them (`..` resolved). For a
    glob `location`, whether `path` is under the directory where the pattern starts and its next folder
    matches the pattern's first part."""
    directory, pattern = _split_glob(location)
    inside, outside = normalized(path), normalized(directory).rstrip("/")
    if inside != outside and not inside.startswith(outside + "/"):
        return False
    first = inside[len(outside) :].strip("/").split("/", 1)[0]
    return (
        pattern is None
        or first == ""
        or any(fnmatch.fnmatchcase(first, one) for one in _fnmatch_patterns(pattern))
    )


def _split_glob(location: str) -> tuple[str, str | None]:
    """The directory where a glob `location` starts and the pattern's first part; a plain location is its
    own directory, with no pattern."""
    glob = _GLOB.search(location)
    if glob is None:
        return location, None
    directory = location[: location.rfind("/", 0, glob.start()) + 1]
    return directory or ".", location[len(directory) :].split("/", 1)[0]


def starting_directory(location: str) -> str:
    """The directory where a glob `location` starts, or the location itself when it is no glob."""
    return _split_glob(location)[0]


def skipped_below(path: str, location: str) -> bool:
    """Whether Spark's scan of `location` leaves `path` out: a file or folder name on the way down to it,
    from the location (or where its glob starts), is one that Spark skips."""
    below = normalized(path)[len(normalized(_split_glob(location)[0]).rstrip("/")) :]
    return any(skipped_by_spark(part) for part in below.split("/") if part)


def skipped_by_spark(name: str) -> bool:
    """Whether Spark's scan leaves out a file or folder of this name (its listing already leaves out names
    starting with `.`)."""
    return _NOT_DATA.match(name) is not None


_NOT_DATA = re.compile(r"\.|_(?!.*=)")


def _fnmatch_patterns(glob: str) -> list[str]:
    """A Hadoop glob part as fnmatch patterns: each `{a,b}` alternative spelled out, `[^…]` as `[!…]`."""
    braces = re.search(r"\{([^{}]*)\}", glob)
    if braces is None:
        return [glob.replace("[^", "[!")]
    before, after = glob[: braces.start()], glob[braces.end() :]
    return [pattern for one in braces[1].split(",") for pattern in _fnmatch_patterns(before + one + after)]


def normalized(path: str) -> str:
    """`path` as Hadoop resolves it: a local one absolute with links followed (a loop is left as it is), a
    URI with `.`, `..` and empty segments removed."""
    if is_local(path):
        return os.path.realpath(local_path(path))
    scheme, _, rest = path.partition("://")
    authority, _, segments = rest.partition("/")
    return f"{scheme}://{authority}{posixpath.normpath('/' + segments.lstrip('/'))}"


def is_uri(path: str) -> bool:
    """Whether `path` names its file system (gs://…, file:…), rather than being a plain local path."""
    return "://" in path or _FILE_SCHEME.match(path) is not None


def is_local(path: str) -> bool:
    return _FILE_SCHEME.match(path) is not None or "://" not in path


def local_path(path: str) -> Path:
    """A local path, written plainly or as a file: URI (`file:///tmp/x` or Hadoop's `file:/tmp/x`)."""
    return Path(_FILE_SCHEME.sub("", path))


def as_input_file_names(text: str) -> str:
    """`text` (a path from a Hadoop listing, or a message quoting paths) with each local file URI written as
    Spark names its input files, and the report does: Hadoop's `file:/x` as `file:///x`."""
    return _FILE_WITHOUT_AUTHORITY.sub("file:///", text)


_FILE_WITHOUT_AUTHORITY = re.compile(r"\bfile:/(?!/)")
# Hadoop reads URI schemes in any case (FILE:///tmp/x is a local path).
_FILE_SCHEME = re.compile(r"^file:(//)?", re.IGNORECASE)
# Where a Hadoop glob pattern starts.
_GLOB = re.compile(r"[*?\[{]")
