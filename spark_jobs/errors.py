"""The ways a run can fail on purpose. Each carries the exit status the entry point returns for it; anything
unexpected exits with 1, as a JobError does.
"""

from __future__ import annotations

from collections.abc import Iterable


def first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message, where Python and Google's clients put its gist."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), "")


def listed(items: Iterable[object]) -> str:
    """Items as a message lists them: "4, 8 or 16"."""
    names = [str(item) for item in items]
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


class JobError(Exception):
    """A failure the job detected and can explain in one line."""

    exit_code = 1


class OutOfMemoryError(JobError):
    """Spark ran out of memory: the run needs a bigger driver or executors, not another input."""


class UsageError(JobError):
    """Arguments that cannot be used as given: they contradict each other, are not a valid glob pattern, or
    ask for a file system, a format or a connector this Spark lacks (argparse itself exits with 2 for
    malformed ones)."""

    exit_code = 2


class ReportInsideTableError(UsageError):
    """--report-path lies inside a table the local sink writes: the report is printed, not saved there."""


class ContractError(JobError, ValueError):
    """A contract that cannot be used; the message names the file, the column and the problem."""

    exit_code = 3


class NoInputError(JobError):
    """No input file matched the input location."""

    exit_code = 4


class InputRefusedError(JobError):
    """The input was refused as it was read, before any row was checked."""

    def __init__(self, message: str, input_files: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.input_files = input_files
        """The files of the refused input, when known: the report lists them."""


class SchemaMismatchError(InputRefusedError):
    """The input's columns do not fit the contract (missing required column, wrong type, bad header)."""

    exit_code = 5


class UnreadableMergedDecimalError(SchemaMismatchError):
    """Typed files hold a decimal column in precisions of one scale: Spark merges them into the widest, then
    cannot read a narrower file's integers as it. Reading the files in groups sharing a schema avoids it."""


class CorruptInputError(InputRefusedError):
    """An input file could not be read at all (for example a truncated Parquet file)."""

    exit_code = 6


class ColumnlessParquetError(CorruptInputError):
    """A Parquet file has no column (pyarrow writes one for a table without columns, pandas for an empty
    DataFrame), which fails Spark's Parquet reader. It holds no value: reading the files in groups sharing
    a schema leaves it out."""


class RejectRatioExceededError(JobError):
    """Too many rows were rejected; nothing was written to the main table."""

    exit_code = 7


class ReconciliationError(JobError):
    """The rows read do not equal the rows split between the main table and the quarantine (counted apart
    once duplicate keys were rejected): a bug, never expected."""

    exit_code = 8


class SinkError(JobError):
    """Writing to the destination failed."""

    exit_code = 9
