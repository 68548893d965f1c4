import sys
from pathlib import Path

# the demo platform lives beside the unit tests of the core
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "common"))
