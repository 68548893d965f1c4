"""
The doctor: ``python -m airflow_provider.doctor --conn-id <id>`` checks a connection against its
platform (authentication, then every read-only operation of the catalogue) and prints one row per
operation: ok, auth refused, path not found (with the ``endpoints`` override that fixes it),
method refused, envelope differs, fields differ, business error, unknown status or slow.
"""

from airflow_provider.doctor.rows import Row
from airflow_provider.doctor.run import Report, check_auth, diagnose

__all__ = ["Report", "Row", "check_auth", "diagnose"]
