"""Deterministic CSV orders for the benchmark: realistic values with a known share of contract breaches."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADER = "order_id,customer_id,amount,currency,order_date\n"
CURRENCIES = ("EUR", "USD", "GBP")
FIRST_DAY = date(2026, 1, 1)


@dataclass(frozen=True)
class GeneratedInput:
    size_bytes: int
    broken_lines: tuple[str, ...]
    """The lines written with a breach, in the order written (a duplicate's line is its original's)."""

    @property
    def bad_rows(self) -> int:
        return len(self.broken_lines)


def _good_row(rng: random.Random, number: int) -> list[str]:
    day = FIRST_DAY + timedelta(days=rng.randrange(300))
    return [
        f"ORD-{number:08d}",
        str(rng.randrange(1, 500_000)),
        f"{rng.randrange(0, 1_000_000) / 100:.2f}",
        rng.choice(CURRENCIES),
        day.isoformat(),
    ]


def _breach(rng: random.Random, row: list[str], last_good: list[str] | None) -> list[str]:
    """Break one rule, chosen at random, so every kind of rejection shows up in the load.

    A duplicate repeats the last good row as it was written (a record delivered twice): exactly one of
    the copies is loaded, so each breach is still exactly one rejected row.
    """
    breaches: list[Callable[[list[str]], None]] = [
        lambda r: r.__setitem__(0, f"ORDER-{r[0][4:]}"),  # pattern
        lambda r: r.__setitem__(1, "12a"),  # INT64 cast
        lambda r: r.__setitem__(2, f"-{float(r[2]) + 0.01:.2f}"),  # min 0 (never -0.00, which passes)
        lambda r: r.__setitem__(3, "eur"),  # allowed (case-sensitive)
        lambda r: r.__setitem__(4, "2026-02-30"),  # DATE cast
        lambda r: r.__setitem__(4, ""),  # REQUIRED
    ]
    if last_good is not None:
        breaches.append(lambda r: r.__setitem__(slice(None), last_good))  # primary key
    rng.choice(breaches)(row)
    return row


def write_orders_csv(
    directory: Path, rows: int, files: int, bad_share: float, seed: int = 7
) -> GeneratedInput:
    """Write `rows` data rows over `files` CSV files; each row breaks one rule with chance `bad_share`."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    per_file = -(-rows // files)
    number = 0
    broken_lines: list[str] = []
    last_good: list[str] | None = None
    for index in range(files):
        with (directory / f"orders-{index:03d}.csv").open("w", encoding="utf-8") as out:
            out.write(HEADER)
            lines = []
            for _ in range(min(per_file, rows - number)):
                row = _good_row(rng, number)
                if rng.random() < bad_share:
                    row = _breach(rng, row, last_good)
                    broken_lines.append(",".join(row))
                else:
                    last_good = row
                lines.append(",".join(row))
                number += 1
            out.write("\n".join(lines) + "\n")
    size = sum(path.stat().st_size for path in directory.glob("*.csv"))
    return GeneratedInput(size, tuple(broken_lines))
