"""Text a user wrote (a contract's value, a command-line argument, a stack's config), quoted in a message as
YAML quotes it, not as Python's repr, whose doubled backslashes the user never typed (no pyspark import)."""

from __future__ import annotations


def quoted(text: str) -> str:
    r"""Text in YAML's single quotes, within which a backslash is itself (`'\t'` shows the two characters
    typed); text holding a character that would not show (a tab, a line break, a zero-width space) in YAML's
    double quotes, that character escaped (`"a\tb"`)."""
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escaped(character) for character in text) + '"'


def _escaped(character: str) -> str:
    r"""One character inside YAML's double quotes: `"` and `\` after a backslash, one that would not show as
    its escape (`\t`, `\x00`, `\u200b`: YAML reads these as Python writes them)."""
    if character in '"\\':
        return "\\" + character
    return character if character.isprintable() else repr(character)[1:-1]
