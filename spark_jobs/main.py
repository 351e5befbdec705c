"""The Dataproc batch's main file: `python -m spark_jobs.main --help` locally, or run as a script.

On Dataproc this file runs as a script with the package zip on sys.path, so it imports absolutely.
"""

import sys

from spark_jobs.cli import main

if __name__ == "__main__":
    sys.exit(main())
