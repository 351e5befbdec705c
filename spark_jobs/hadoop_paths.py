"""Paths as Hadoop reads them: local or a URI, `..` resolved, globs matched, and the names Spark's scan skips.

The command line uses them to refuse, before a run, an output or a report that would land among its input; the
input listing, the sinks and the error messages use them too.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path


def within(path: str, location: str) -> bool:
    """Whether the file or folder `path` (named as it is, as a write names it) is read by reading `location`
    (a path or a Hadoop glob, as a read takes it): whether it is the directory where the location starts or
    under it, and for a glob, whether its next folder matches the pattern's first part."""
    directory, parts = split_glob(location)
    if not inside(path, directory):
        return False
    first = normalized(path)[len(normalized(directory).rstrip("/")) :].strip("/").split("/", 1)[0]
    return not parts or first == "" or matches_glob_part(first, parts[0])


def inside(path: str, directory: str) -> bool:
    """Whether `path` is `directory` or under it, both named as they are (no glob), and taken as Hadoop
    takes them (`..` resolved)."""
    path, directory = normalized(path), normalized(directory).rstrip("/")
    return path == directory or path.startswith(directory + "/")


def split_glob(location: str) -> tuple[str, tuple[str, ...]]:
    """The directory where a glob `location` starts, its escapes undone (Hadoop reads `\\[` as `[`), and
    the pattern's parts, one per level below it (for `matches_glob_part`); a location without a pattern is
    its own directory, with no parts."""
    glob = next((token for token in _GLOB_TOKEN.finditer(location) if not token[0].startswith("\\")), None)
    start = len(location) if glob is None else location.rfind("/", 0, glob.start()) + 1
    directory = _ESCAPED.sub(r"\1", location[:start])
    return directory or ".", () if glob is None else tuple(location[start:].split("/"))


def starting_directory(location: str) -> str:
    """The directory where a glob `location` starts, or the location itself when it is no glob, named as
    it is (its escapes undone)."""
    return split_glob(location)[0]


def skipped_below(path: str, location: str) -> bool:
    """Whether Spark's scan of `location` leaves `path` out: a file or folder name on the way down to it,
    from the location (or where its glob starts), is one that Spark skips."""
    below = normalized(path)[len(normalized(split_glob(location)[0]).rstrip("/")) :]
    return any(skipped_by_spark(part) for part in below.split("/") if part)


def skipped_by_spark(name: str) -> bool:
    """Whether Spark's scan leaves out a file or folder of this name (its listing already leaves out names
    starting with `.`)."""
    return _NOT_DATA.match(name) is not None


_NOT_DATA = re.compile(r"\.|_(?!.*=)")


def matches_glob_part(name: str, glob: str) -> bool:
    """Whether a file or folder `name` matches one part of a Hadoop glob, read as Hadoop's GlobPattern reads
    it: `\\x` is x, `*` any run, `?` one character, `{a,b}` either, `[…]` a class (`[^…]`, `[!…]` negated).
    A pattern Hadoop would refuse matches nothing: the read refuses it."""
    pieces: list[str] = []
    groups, in_class = 0, False
    characters = iter(glob)
    for char in characters:
        if char == "\\":
            pieces.append(re.escape(next(characters, char)))
        elif in_class:
            in_class = char != "]"
            negated = char in "!^" and pieces[-1] == "["
            pieces.append("^" if negated else char if char in "]-" else re.escape(char))
        elif char == "[":
            in_class = True
            pieces.append(char)
        elif char in _GLOB_REGEX or (char in _GROUP_REGEX and groups):
            groups += {"{": 1, "}": -1}.get(char, 0)
            pieces.append(_GLOB_REGEX.get(char) or _GROUP_REGEX[char])
        else:
            pieces.append(re.escape(char))
    try:
        return re.fullmatch("".join(pieces), name, re.DOTALL) is not None
    except re.error:
        return False


_GLOB_REGEX = {"*": ".*", "?": ".", "{": "(?:"}
# Inside braces only: elsewhere, Hadoop reads them as themselves.
_GROUP_REGEX = {",": "|", "}": ")"}


def normalized(path: str) -> str:
    """`path` as Hadoop resolves it: a local one absolute with links followed (a loop is left as it is), a
    URI with `.`, `..` and empty segments removed."""
    if is_local(path):
        return os.path.realpath(local_path(path))
    uri = _URI.match(path)
    assert uri is not None, "a path that is not local is a URI"
    scheme, authority, segments = uri.group("scheme", "authority", "path")
    root = f"{scheme}:" if authority is None else f"{scheme}://{authority}"
    return root + posixpath.normpath("/" + segments.lstrip("/"))


def is_uri(path: str) -> bool:
    """Whether `path` names its file system (gs://…, file:…, and as Hadoop reads a colon before any slash,
    gs:/b), rather than being a plain local path."""
    return _URI.match(path) is not None


def is_local(path: str) -> bool:
    return _FILE_SCHEME.match(path) is not None or not is_uri(path)


def is_utf8(name: str) -> bool:
    """Whether a local file's `name` is UTF-8, as the JVM reads names: Python passes other bytes through as
    lone surrogates, which py4j cannot send, and Spark's listing skips such a file without a word."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def with_bytes_shown(name: str) -> str:
    """A local `name`, its bytes that are not UTF-8 shown as `\\xNN`."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def local_path(path: str) -> Path:
    """A local path, written plainly or as a file: URI (`file:///tmp/x` or Hadoop's `file:/tmp/x`)."""
    return Path(_FILE_SCHEME.sub("", path))


def as_input_file_names(text: str) -> str:
    """`text` (a path from a Hadoop listing, or a message quoting paths) with each local file URI written as
    Spark names its input files, and the report does: Hadoop's `file:/x` as `file:///x`."""
    return _FILE_WITHOUT_AUTHORITY.sub("file:///", text)


_FILE_WITHOUT_AUTHORITY = re.compile(r"\bfile:/(?!/)")
# A URI as Hadoop's Path reads one: a colon before any slash ends its scheme, and `//` starts an authority.
_URI = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(//(?P<authority>[^/]*))?(?P<path>.*)", re.DOTALL)
# Hadoop reads URI schemes in any case (FILE:///tmp/x is a local path).
_FILE_SCHEME = re.compile(r"^file:(//)?", re.IGNORECASE)
# An escaped character, or where a Hadoop glob pattern starts.
_GLOB_TOKEN = re.compile(r"\\.|[*?\[{]", re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
