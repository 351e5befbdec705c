"""A contract's `pattern` rules: Java regular expressions, as Spark runs them (no pyspark import, so that the
Pulumi program checks them too).

Without a JVM, a pattern is checked with Python's `re` once the Java syntax Python spells otherwise is
rewritten; that check refuses what both refuse and what only Python writes. The job compiles every pattern
with Java before reading anything, which decides the rest.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from spark_jobs.quoting import quoted


@dataclass(frozen=True)
class PatternToken:
    """A piece of a regular expression as Java reads it: a quoted stretch (`\\Q…\\E`), an escape (with its
    braces, `\\p{Lu}`, `\\b{g}`, or angle brackets, `\\k<name>`), or one character; `in_class` when it lies in
    a character class."""

    text: str
    position: int
    in_class: bool


def pattern_tokens(pattern: str) -> Iterator[PatternToken]:
    """`pattern`'s tokens, in order."""
    position, depth = 0, 0
    # Java reads a `]` first in a class (`[]a]`, `[^]a]`) as a member, not as the class's end.
    closing_is_member = opened = False
    while position < len(pattern):
        text = _token(pattern, position)
        if text == "[":
            depth += 1
        elif text == "]" and depth and not closing_is_member:
            depth -= 1
        closing_is_member = text == "[" or (text == "^" and opened)
        opened = text == "["
        yield PatternToken(text, position, depth > 0)
        position += len(text)


def _token(pattern: str, position: int) -> str:
    if pattern.startswith(r"\Q", position):
        end = pattern.find(r"\E", position)
        return pattern[position:] if end < 0 else pattern[position : end + 2]
    if pattern[position] != "\\":
        return pattern[position]
    delimited = _DELIMITED_ESCAPE.match(pattern, position)
    if delimited:
        return delimited.group()
    # `\cX` names a control character; `\pL` a one-letter Unicode class.
    return pattern[
        position : position + (3 if pattern[position + 1 : position + 2] in ("c", "p", "P") else 2)
    ]


# Also Java's grapheme cluster boundary, \b{g}.
_DELIMITED_ESCAPE = re.compile(r"\\[pPxN]\{[^}]*\}|\\k<[^>]*>|\\b\{g\}")


def inline_flags(pattern: str) -> set[str]:
    """The flags that a group of `pattern` turns on, (?i) or (?m-s:…), wherever it is."""
    turned_on: set[str] = set()
    for token in _group_openers(pattern):
        flags = _FLAG_GROUP.match(pattern, token.position)
        if flags:
            turned_on |= set(flags["on"])
    return turned_on


def spark_pattern(pattern: str) -> str:
    """`pattern` as Spark runs it (Java), matching as BigQuery's regular expressions (RE2) do where Java's
    defaults differ: with each `$` anchor written `\\z` (Java's `$` also matches before a line break that ends
    the value, RE2's only at its very end), and led by `(?du)`: only `\\n` ends a line (Java's `.` would not
    match `\\r`, U+0085, U+2028 or U+2029 either), and `(?i)` ignores case beyond ASCII (`Ü` as `ü`).

    Only a `$` that is an anchor changes: not one escaped, quoted (`\\Q…\\E`) or in a character class. A
    pattern that turns on multi-line mode (where `$` ends every line) or comments mode keeps its `$`. Java's
    `\\Z`, which RE2 lacks and Python reads as the very end, is written `\\z` too, in every mode.
    """
    anchors = {"\\Z"} if inline_flags(pattern) & {"m", "x"} else {"$", "\\Z"}
    return _AS_RE2 + "".join(
        r"\z" if token.text in anchors and not token.in_class else token.text
        for token in pattern_tokens(pattern)
    )


# Java's UNIX_LINES and UNICODE_CASE flags; a pattern may still turn them off, (?-d).
_AS_RE2 = "(?du)"


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with `pattern` as a Java regular expression, as far as Python can tell; None if nothing.

    In comments mode Python cannot tell where Java's comments end: only the job's Java compile checks it.
    """
    if "x" in inline_flags(pattern):
        return _posix_class(pattern)
    return _posix_class(pattern) or _python_only(pattern) or _refused_by_python(pattern)


def _posix_class(pattern: str) -> str | None:
    posix = _POSIX_CLASS.search(pattern)
    if posix is None:
        return None
    return (
        f"uses the POSIX class [:{posix[1]}:], which Java reads as a set of the characters in "
        f"':{posix[1]}:': write {_JAVA_CLASSES[posix[1]]} or a range such as [0-9]"
    )


def _refused_by_python(pattern: str) -> str | None:
    pieces = list(_in_python_syntax(pattern))
    try:
        with warnings.catch_warnings():  # Java's class intersection (&&) is only a warning in Python
            warnings.simplefilter("ignore", FutureWarning)
            re.compile("".join(piece.text for piece in pieces))
    except (re.error, OverflowError) as error:  # OverflowError: a repetition too large for Java too
        if _ONLY_PYTHON_REFUSES in str(error):
            return None  # Java allows a look-behind of bounded length; the job's Java compile decides
        if not isinstance(error, re.error) or error.pos is None:
            return f"is not a valid regular expression: {error}"
        at = _written_at(pieces, error.pos)
        if error.msg == _REPEATED_REPETITION and pattern.startswith("{", at):
            return (
                f"repeats a repetition with the {{ at position {at}, which Java ignores (a{{2}}{{3}} matches "
                "as a{2} does) and BigQuery's RE2 refuses: to repeat a repetition, make it a group, "
                "as in (?:a{2}){3}"
            )
        return f"is not a valid regular expression: {error.msg} at position {at}"
    except RecursionError:
        return None  # nested deeper than Python can check (Java takes about twice as deep): Java decides
    return None


def _group_openers(pattern: str) -> Iterator[PatternToken]:
    """The `(` tokens that open a group: not escaped, quoted or in a character class."""
    return (token for token in pattern_tokens(pattern) if token.text == "(" and not token.in_class)


def _python_only(pattern: str) -> str | None:
    """Why `pattern`, valid for Python (and some for RE2), is not Java's syntax; None when nothing says so.

    Python's own check would pass these groups, braces and escapes, and the batch would fail only when Java
    compiles them.
    """
    return _python_only_group(pattern) or _python_only_token(pattern)


def _python_only_token(pattern: str) -> str | None:
    """The first of the escapes and braces that Python reads otherwise than Java, which refuses them."""
    problems = (
        _escape_problem(pattern, token) or _character_problem(token) or _brace_problem(pattern, token)
        for token in pattern_tokens(pattern)
    )
    return next((problem for problem in problems if problem), None)


def _character_problem(token: PatternToken) -> str | None:
    """A character escape that Python never sees (the syntax check reads it as `x`) and Java refuses."""
    if token.text.startswith(r"\x{") and not _is_code_point(token.text[3:-1]):
        return f"writes {token.text}, which is no character: Java takes hex digits up to 10FFFF"
    if token.text == r"\c":  # the pattern's last character: the tokenizer takes \c with the one after
        return (
            "ends with \\c, which names no control character: Java takes the character after it, as in \\cA"
        )
    return None


def _escape_problem(pattern: str, token: PatternToken) -> str | None:
    after = token.position + len(token.text)
    if token.text in (r"\p{", r"\P{") or (token.text in (r"\x", r"\N") and pattern.startswith("{", after)):
        # A delimited escape whose `}` is missing: the tokenizer took the escape alone.
        return f"holds {token.text.removesuffix('{')}{{ without the }} that closes it"
    if token.text in (r"\b", r"\b{g}") and token.in_class:
        # Python reads \b in a class as a backspace; Java has no boundary there.
        return (
            f"holds {token.text} in a character class, which Java refuses (the backspace character is \\x08)"
        )
    if token.text == r"\U":
        return "writes a character as Python does, \\UXXXXXXXX: Java writes \\x{...}, e.g. \\x{1F600}"
    if token.text == r"\0" and not _OCTAL_DIGIT.match(pattern, after):
        return (
            "holds \\0 without an octal digit after it, which Java refuses: write \\x00 for the NUL character"
        )
    return None


def _is_code_point(digits: str) -> bool:
    return bool(_HEX_DIGITS.fullmatch(digits)) and int(digits, 16) <= sys.maxunicode


def _brace_problem(pattern: str, token: PatternToken) -> str | None:
    if token.text != "{" or token.in_class:
        return None
    repetition = _JAVA_REPETITION.match(pattern, token.position)
    if repetition:
        counts = re.findall("[0-9]+", repetition.group())
        if any(int(count) > _JAVA_MOST_REPETITIONS for count in counts):
            return (
                f"repeats {repetition.group()}, more times than Java counts (at most "
                f"{_JAVA_MOST_REPETITIONS})"
            )
        return None
    if _PYTHON_UP_TO.match(pattern, token.position):
        return "repeats up to n times as Python does, {,n}: Java writes {0,n}"
    return (
        "holds a { that starts no repetition ({n}, {n,} or {n,m}), which Java refuses: write \\{ for the "
        "brace itself"
    )


# What Java reads after a `{` outside a class: always a repetition, or the pattern is refused.
_JAVA_REPETITION = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_PYTHON_UP_TO = re.compile(r"\{,[0-9]+\}")
_JAVA_MOST_REPETITIONS = 2**31 - 1
_HEX_DIGITS = re.compile("[0-9A-Fa-f]+")
_OCTAL_DIGIT = re.compile("[0-7]")


def _python_only_group(pattern: str) -> str | None:
    for token in _group_openers(pattern):
        for opener, remedy in _PYTHON_ONLY_GROUPS.items():
            if pattern.startswith(opener, token.position):
                return remedy
        flags = _FLAG_GROUP.match(pattern, token.position)
        if flags and set(flags["on"] + (flags["off"] or "")) - set(_JAVA_FLAGS):
            return f"sets flags {quoted(flags['flags'])}: Java's inline flags are {', '.join(_JAVA_FLAGS)}"
        named = _ANY_NAMED_GROUP.match(pattern, token.position)
        if named and not _JAVA_GROUP_NAME.fullmatch(named["name"]):
            return (
                f"names a group {quoted(named['name'])}: Java's group names are ASCII letters and digits, a "
                "letter first"
            )
        if named and not pattern.startswith(">", named.end()):
            return f"names a group {quoted(named['name'])} without the > that ends its name"
    return None


_PYTHON_ONLY_GROUPS = {
    "(?P<": "names a group as Python does: Java writes (?<name>…)",
    "(?P=": "refers back to a group as Python does: Java writes \\k<name>",
    "(?#": "holds a comment group, which Java does not have: remove it",
    "(?(": "holds a conditional group, which Java does not have",
}
_JAVA_FLAGS = "idmsuxUc"
# An inline flag group, (?i) or (?i-s:…), with the letters it turns on and off, and whether its flags are
# scoped to it (a `:` follows) or hold from there on.
_FLAG_GROUP = re.compile(r"\(\?(?P<flags>(?P<on>[A-Za-z]*)(?:-(?P<off>[A-Za-z]*))?)(?:\)|(?P<scoped>:))")


class _Rewritten(NamedTuple):
    """A piece of the pattern as Python's check reads it, what the pattern as written has there, and where."""

    text: str
    written: str
    written_at: int


def _in_python_syntax(pattern: str) -> Iterator[_Rewritten]:
    """`pattern` with the Java syntax that Python spells otherwise, or lacks, rewritten token by token; its
    flag groups hold only Java's flags (`_python_only` refused the others)."""
    skip_to = 0
    previous = ""
    for token in pattern_tokens(pattern):
        if token.position < skip_to:
            continue
        follows_class_escape, previous = previous[:2] in _CLASS_ESCAPES, token.text
        if token.text == "-" and token.in_class and follows_class_escape:
            # Java reads `[\w-.]` as \w, - and .: a class is no end of a range. Python refuses the range.
            yield _Rewritten(r"\-", token.text, token.position)
            continue
        opener = token.text == "(" and not token.in_class
        flags = _FLAG_GROUP.match(pattern, token.position) if opener else None
        named = _NAMED_GROUP.match(pattern, token.position) if opener else None
        if flags:  # flags go: Python takes them only at the start
            yield _Rewritten("(?:" if flags["scoped"] else "", flags.group(), token.position)
            skip_to = flags.end()
        elif named:  # Python's spelling of a named group
            yield _Rewritten(f"(?P<{named['name']}>", named.group(), token.position)
            skip_to = named.end()
        else:
            yield _Rewritten(_python_token(token.text), token.text, token.position)


def _written_at(pieces: list[_Rewritten], position: int) -> int:
    """Where the pattern as written has what Python's check found at `position` of the rewritten one: the
    same place in a piece left as written, the start of a piece rewritten, the end past the last piece."""
    start = 0
    for piece in pieces:
        if position < start + len(piece.text):
            return piece.written_at + (position - start if piece.text == piece.written else 0)
        start += len(piece.text)
    return pieces[-1].written_at + len(pieces[-1].written) if pieces else 0


_JAVA_GROUP_NAME = re.compile("[A-Za-z][A-Za-z0-9]*")
_NAMED_GROUP = re.compile(rf"\(\?<(?P<name>{_JAVA_GROUP_NAME.pattern})>")
# A named group however named: `(?<` not opening a look-behind, up to its `>` (or where a `)` or the pattern
# ends it, the `>` missing).
_ANY_NAMED_GROUP = re.compile(r"\(\?<(?![=!])(?P<name>[^>)]*)")


def _python_token(token: str) -> str:
    if token.startswith(r"\Q"):
        return re.escape(token[2:].removesuffix(r"\E"))
    if token.startswith((r"\x{", r"\N{")):
        return "x"  # a character by its code point or its name, which Python may not know
    if token.startswith(r"\k<"):
        return f"(?P={token[3:-1]})"
    if token == r"\z":
        return r"\Z"
    if token[:2] in _PYTHON_LACKS:
        return "x"  # a class or a character, which Python's syntax check takes like any other
    return token


# The escapes that stand for a class of characters, which cannot end a range in a character class.
_CLASS_ESCAPES = frozenset(
    {r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"\p", r"\P", r"\h", r"\H", r"\v", r"\V"}
)
# Unicode classes (\p{Lu}, \pL), \h, \V, \R, \X, \e, \G and control characters (\cA).
_PYTHON_LACKS = frozenset({r"\p", r"\P", r"\h", r"\H", r"\V", r"\R", r"\X", r"\e", r"\G", r"\c"})


# Python's refusal of a look-behind whose length varies, which Java accepts when the length is bounded.
_ONLY_PYTHON_REFUSES = "look-behind requires fixed-width pattern"
# Python's refusal of a repetition of a repetition: Java refuses another *, + or ? after one, but takes a
# {n} there, and ignores it.
_REPEATED_REPETITION = "multiple repeat"


# A POSIX bracket expression ([[:digit:]]), as RE2 and BigQuery read it; Java has \p{...} classes instead.
_JAVA_CLASSES = {
    "alnum": r"\p{Alnum}",
    "alpha": r"\p{Alpha}",
    "ascii": r"\p{ASCII}",
    "blank": r"\p{Blank}",
    "cntrl": r"\p{Cntrl}",
    "digit": r"\p{Digit}",
    "graph": r"\p{Graph}",
    "lower": r"\p{Lower}",
    "print": r"\p{Print}",
    "punct": r"\p{Punct}",
    "space": r"\p{Space}",
    "upper": r"\p{Upper}",
    "word": r"\w",
    "xdigit": r"\p{XDigit}",
}
_POSIX_CLASS = re.compile(r"\[:(" + "|".join(_JAVA_CLASSES) + r"):\]")
