"""The system test starts a whole deployment: only ``make system-test`` runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

if os.environ.get("FULFILLMENT_SYSTEM_TEST") != "1":
    collect_ignore = ["test_cluster.py"]
