"""ACME's vendor facts, read by the hook, the sensor and the simulator alike: constants only."""

from __future__ import annotations

TOKEN_PATH = "/v1/token"
#: parcel statuses in lifecycle order, and what they mean to a sensor
NEW, PACKED, SHIPPED, LOST = "new", "packed", "shipped", "lost"
SUCCESS_STATUSES = frozenset({SHIPPED})
FAILURE_STATUSES = frozenset({LOST})
#: envelope ``code`` of a successful answer; of a bad or expired token; of a reused parcel id
OK, BAD_TOKEN, DUPLICATE = 0, 401, 409
