"""``python -m airflow_provider.doctor --conn-id <id>`` (or ``--all``, ``--json``)."""

import sys

from airflow_provider.doctor.cli import main

if __name__ == "__main__":
    sys.exit(main())
