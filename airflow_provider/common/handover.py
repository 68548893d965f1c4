"""
Orders handed from one task to the next as a JSON-lines file, never as XCom values.

Orders carry customers' names, addresses and phones; XCom values are stored in the metadata
database and shown in the UI. An operator that passes orders on writes them to a file and pushes
its path: every bulk operator takes such a path as its items (``orders="…/orders.jsonl"``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: the folder under ``AIRFLOW_HOME`` used when an operator is given no ``output_path``
DEFAULT_SUBFOLDER = ("fulfillment", "handover")


def default_folder() -> str:
    """``$AIRFLOW_HOME/fulfillment/handover``: fine on one machine; a fleet needs shared storage."""
    home = os.environ.get("AIRFLOW_HOME") or os.path.join(os.path.expanduser("~"), "airflow")
    return os.path.join(home, *DEFAULT_SUBFOLDER)


def handover_name(context: Mapping[str, Any], prefix: str) -> str:
    """``<prefix>_<dag>_<task>_<run>[_<map index>].jsonl``: one file per task instance."""
    ti = context.get("ti")
    parts = [prefix, getattr(ti, "dag_id", None), getattr(ti, "task_id", None), context.get("run_id")]
    map_index = getattr(ti, "map_index", -1)
    if isinstance(map_index, int) and map_index >= 0:
        parts.append(str(map_index))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(str(part) for part in parts if part)) + ".jsonl"


def write_handover(
    folder: str | None, context: Mapping[str, Any], prefix: str, rows: Iterable[Mapping[str, Any]]
) -> str:
    """
    Write ``rows`` as JSON lines in ``folder`` (default :func:`default_folder`) and return the path.

    :param folder: a local folder or any ``ObjectStoragePath`` URL (``s3://…``).
    """
    from airflow.sdk import ObjectStoragePath

    target_folder = ObjectStoragePath(folder or default_folder())
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / handover_name(context, prefix)
    with target.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return str(target)
