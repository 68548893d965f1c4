"""
超8 (Chao8) wire constants shared by the hook, the sensor and the sandbox.

Stdlib only: the sensor and operator modules import this at DAG-parse time.
"""

from __future__ import annotations

#: the documented token path (获取 AccessToken)
TOKEN_PATH = "/cncop/ca/v1/applications/get-token"
#: the production gateway
DEFAULT_BASE_URL = "https://sapi.supercarrier8.com"
#: envelope ``code`` of a successful answer
SUCCESS_CODE = 200

# ---------------------------------------------------------------- token call codes [seed]
WRONG_KEY_OR_SECRET = 21184031
APP_DISABLED = 21184032
APP_NOT_FOUND = 21184033
ACCESS_KEY_EMPTY = 21180031
SECRET_EMPTY = 21180041
TOKEN_RATE_LIMITED = 21185002
UNKNOWN_ERROR = 500

#: the vendor's own (Chinese) message of every token error code, as the seed lists them
TOKEN_ERROR_MESSAGES: dict[int, str] = {
    WRONG_KEY_OR_SECRET: "应用账号或密钥不正确",
    APP_DISABLED: "应用账号被禁用",
    APP_NOT_FOUND: "应用账号不存在",
    ACCESS_KEY_EMPTY: "Access Key不能为空",
    SECRET_EMPTY: "密钥不能为空",
    TOKEN_RATE_LIMITED: "获取Token超出频率限制",
    UNKNOWN_ERROR: "未知错误",
}

#: what a person must fix for each credential error (none of them is retried)
TOKEN_ERROR_HELP: dict[int, str] = {
    WRONG_KEY_OR_SECRET: (
        "the access key or the application secret is wrong: check the connection's login "
        "(access key) and password (application secret, the plain secret, not its MD5)"
    ),
    APP_DISABLED: "the application is disabled on the 超8 platform: ask your 超8 operations contact to enable it",
    APP_NOT_FOUND: (
        "no application has this access key: check the connection's login, and that the gateway URL "
        "(host) is the environment the key was issued for"
    ),
    ACCESS_KEY_EMPTY: "the access key is empty: put it in the connection's login field",
    SECRET_EMPTY: "the application secret is empty: put it in the connection's password field",
}

#: seconds to wait after 21185002 (the vendor allows one token call per minute)
TOKEN_RATE_LIMIT_SECONDS = 60.0

# ---------------------------------------------------------------- business call codes
#: token invalid or expired [seed]: refresh the token and retry once
TOKEN_INVALID = 20324012
TOKEN_EXPIRED = 20324013
AUTH_ERROR_CODES = frozenset({TOKEN_INVALID, TOKEN_EXPIRED})

# Inferred (no public document gives them); the sandbox answers with these and the hook also
# recognises duplicates and missing objects by the message text.
ORDER_EXISTS = 21230001
ORDER_NOT_FOUND = 21230004
ORDER_STATE_CONFLICT = 21230009
INVALID_PARAMS = 21230002

# ---------------------------------------------------------------- statuses [inferred]
#: logistics order statuses (物流订单状态)
LOGISTICS_CREATED = "0"
LOGISTICS_SCANNING = "1"
LOGISTICS_COMPLETED = "2"
LOGISTICS_CANCELLED = "3"
#: pseudo status reported by ``Chao8Hook.fetch_statuses(..., min_scanned=n)`` once
#: ``scannedCount >= n`` on an order that is not completed or cancelled yet
SCANNED = "scanned"

#: production order statuses (生产订单状态), same shape as logistics orders
PRODUCTION_PENDING = "0"
PRODUCTION_RUNNING = "1"
PRODUCTION_COMPLETED = "2"
PRODUCTION_CANCELLED = "3"

#: logistics order types (物流订单类型)
ORDER_TYPE_OUTBOUND = 1
ORDER_TYPE_RETURN_INBOUND = 2
ORDER_TYPE_TRANSFER = 3

#: 超8 answers in Beijing time
UTC_OFFSET_HOURS = 8
