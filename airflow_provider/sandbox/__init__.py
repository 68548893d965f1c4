"""All four platform simulators together: ``python -m airflow_provider.sandbox``."""
