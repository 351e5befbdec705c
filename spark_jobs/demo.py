"""`./dev demo`: run the job locally on the sample orders (CSV, then JSON) and print each report.

Output goes to ./out (override with the first argument). The samples hold deliberately bad rows, so the
demo allows a reject ratio of up to one half; look in ./out/orders__rejected for the reasons.
"""

from __future__ import annotations

import sys
from pathlib import Path

from spark_jobs.cli import main
from spark_jobs.options import CSV, JSON, LOCAL, OVERWRITE
from spark_jobs.session import local_session

PACKAGE = Path(__file__).parent
SAMPLES = PACKAGE / "samples" / "orders"
CONTRACT = PACKAGE / "contracts" / "orders.yaml"


def demo(output_path: str) -> int:
    spark = local_session("orders-demo")
    status = 0
    for input_format in (CSV, JSON):
        print(f"== orders from {input_format.upper()} samples -> {output_path}", file=sys.stderr, flush=True)
        arguments = [
            "--input-format", input_format,
            "--input-location", str(SAMPLES / input_format),
            "--contract", str(CONTRACT),
            "--sink", LOCAL,
            "--output-path", output_path,
            "--write-mode", OVERWRITE,
            "--max-reject-ratio", "0.5",
            "--batch-id", f"demo-{input_format}",
        ]  # fmt: skip
        status = max(status, main(arguments, spark))
    return status


if __name__ == "__main__":
    sys.exit(demo(sys.argv[1] if len(sys.argv) > 1 else "out"))
