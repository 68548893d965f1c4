"""
超8 (Chao8) wire constants shared by the hook, the sensor and the sandbox.

Stdlib only: the sensor and operator modules import this at DAG-parse time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the documented token path (获取 AccessToken)
TOKEN_PATH = "/cncop/ca/v1/applications/get-token"  # noqa: S105 - an API path, not a password
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

#: the traceability reports (溯源报表) an export operator reads: production 生产统计报表,
#: inbound 入库统计报表, inbound_scans 入库扫码报表
REPORT_NAMES = frozenset({"production", "inbound", "inbound_scans"})

#: 超8 answers in Beijing time
UTC_OFFSET_HOURS = 8


# ---------------------------------------------------------------- the operation catalogue
# Every operation page of the vendor's API navigation, read by the hook (its endpoint table,
# ``call_operation``) and by the sandbox (its generated routes): see
# :mod:`airflow_provider.chao8.operations` for the lookup functions and what each field means.
#: what marks a deprecated page in the seed's navigation
DEPRECATED_MARKERS = ("作废", "废弃")


@dataclass(frozen=True)
class Operation:
    """
    One operation page of the 超8 API navigation.

    :param key: the endpoint name (English, snake_case): the key of the hook's endpoint table
        and of a connection's ``endpoints`` override.
    :param name: the page's name in the seed, in Chinese, exactly as the navigation writes it.
    :param module: where the navigation puts it (``溯源体系/物流订单``).
    :param method: HTTP method [inferred except for the token call].
    :param path: the path, ``{param}`` for path parameters [inferred except for the token call].
    :param hook_method: the typed hook method, or ``""`` (reached through ``call_operation``).
    :param read_only: a query: safe to resend when an answer is lost.
    :param stateful: the sandbox keeps state for it (else it answers with a stored echo).
    """

    key: str
    name: str
    module: str
    method: str
    path: str
    hook_method: str = ""
    read_only: bool = False
    stateful: bool = False

    @property
    def deprecated(self) -> bool:
        """The seed marks the page 作废 or 废弃: listed, not implemented."""
        return any(marker in self.name for marker in DEPRECATED_MARKERS)

    @property
    def typed(self) -> bool:
        return bool(self.hook_method)

    @property
    def path_params(self) -> tuple[str, ...]:
        return path_params(self.path)


def path_params(path: str) -> tuple[str, ...]:
    """The ``{param}`` names of a path template, in order."""
    return tuple(re.findall(r"\{([^}]+)\}", path))


_BASIC = "/cncop/basic"
_ORG = "/cncop/org/v1"
_SEC = "/cncop/security"
_TRACE = "/cncop/trace/v1"
_AUDIT = "/cncop/audit/v1"
_REPORT = "/cncop/report/v1"
_MKT = "/cncop/marketing/v1"
_CODE = "/cncop/code/v1"
_IPQC = "/cncop/ipqc/v1"

# (key, seed name, module, method, path, hook method, read_only, stateful)
# fmt: off
_ROWS: tuple[tuple[str, str, str, str, str, str, bool, bool], ...] = (
    # ------------------------------------------------------------------ 快速入门
    ("token", "获取 AccessToken", "快速入门", "POST", "/cncop/ca/v1/applications/get-token", "get_token", False, True),
    # ------------------------------------------------------------------ 基础资料/商品
    ("product_detail", "获取商品详细信息", "基础资料/商品", "GET", f"{_BASIC}/v1/products/{{product_code}}", "get_product", True, True),
    ("product_upsert_v1", "通过商品编号新增/修改商品信息", "基础资料/商品", "POST", f"{_BASIC}/v1/products", "", False, True),
    ("products_status_v1", "(废弃)根据商品编号批量启用禁用商品接口(废弃)", "基础资料/商品", "POST", f"{_BASIC}/v1/products/status", "", False, False),
    ("product_upsert_v2", "通过商品编号新增/修改商品信息(新)", "基础资料/商品", "POST", f"{_BASIC}/v2/products", "", False, True),
    ("product_upsert", "通过商品编号新增/修改商品信息V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products", "upsert_product", False, True),
    ("products_batch_upsert", "通过商品编号新增/修改商品信息(批量)V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/batch", "upsert_products", False, True),
    ("products_batch_delete", "通过商品编号删除(批量)V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/batch-delete", "delete_products", False, True),
    ("products_batch_disable", "通过商品编号禁用(批量)V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/batch-disable", "disable_products", False, True),
    ("products_batch_enable", "通过商品编号启用(批量)V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/batch-enable", "enable_products", False, True),
    ("products_page", "商品分页列表V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/page", "get_products_page", True, True),
    ("products_batch_query", "根据商品编号查询(批量)V3", "基础资料/商品", "POST", f"{_BASIC}/v3/products/batch-query", "query_products", True, True),
    # ------------------------------------------------------------------ 基础资料/组织
    ("dealers_sync", "同步经销商", "基础资料/组织", "POST", f"{_ORG}/dealers/sync", "sync_dealers", False, True),
    ("dealers_batch_delete", "批量删除经销商", "基础资料/组织", "POST", f"{_ORG}/dealers/batch-delete", "delete_dealers", False, True),
    ("dealers_batch_query", "根据编码批量查询经销商", "基础资料/组织", "POST", f"{_ORG}/dealers/batch-query", "query_dealers", True, True),
    ("dealers_page", "根据查询条件查询全部经销商(并翻页)", "基础资料/组织", "POST", f"{_ORG}/dealers/page", "get_dealers_page", True, True),
    ("dealers_count", "根据查询条件统计全部经销商", "基础资料/组织", "POST", f"{_ORG}/dealers/count", "count_dealers", True, True),
    ("organizations_batch_query", "根据组织id批量查询组织", "基础资料/组织", "POST", f"{_ORG}/organizations/batch-query", "", True, True),
    ("dealers_batch_status", "根据经销商编号批量启用禁用经销商接口", "基础资料/组织", "POST", f"{_ORG}/dealers/batch-status", "set_dealers_enabled", False, True),
    ("stores_sync", "同步门店", "基础资料/组织", "POST", f"{_ORG}/stores/sync", "sync_stores", False, True),
    ("store_manager_replace", "替换店长", "基础资料/组织", "POST", f"{_ORG}/stores/manager/replace", "", False, False),
    ("dealer_manager_replace", "替换经销商负责人", "基础资料/组织", "POST", f"{_ORG}/dealers/manager/replace", "", False, False),
    ("dealer_salesman_add", "经销商业务员新增", "基础资料/组织", "POST", f"{_ORG}/dealers/salesmen", "", False, False),
    ("store_clerk_add", "门店店员新增", "基础资料/组织", "POST", f"{_ORG}/stores/clerks", "", False, False),
    # ------------------------------------------------------------------ 防伪体系
    ("anti_fake_query", "防伪开放接口", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/query", "", True, False),
    ("anti_fake_details_custom", "防伪明细列表查询-定制", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/details/custom", "", True, False),
    ("anti_fake_details", "防伪明细列表查询-标准", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/details", "", True, False),
    ("anti_fake_regions", "防伪区域查询", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/regions", "", True, False),
    ("anti_fake_summary", "防伪综合查询接口", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/summary", "", True, False),
    ("anti_fake_verify", "防伪码开放接口-支持验证码校验", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/verify", "", True, False),
    ("anti_fake_changpeng", "长鹏定制防伪开放接口", "防伪体系", "POST", f"{_SEC}/v1/anti-fake/changpeng", "", True, False),
    ("anti_fake_query_v2", "防伪开放接口V2", "防伪体系", "POST", f"{_SEC}/v2/anti-fake/query", "", True, False),
    # ------------------------------------------------------------------ 溯源体系/生产订单
    ("production_order_create", "创建生产订单", "溯源体系/生产订单", "POST", f"{_TRACE}/production-orders", "create_production_order", False, True),
    ("production_order_delete", "删除生产订单", "溯源体系/生产订单", "DELETE", f"{_TRACE}/production-orders/{{order_no}}", "delete_production_order", False, True),
    ("production_order_update", "更新生产订单", "溯源体系/生产订单", "PUT", f"{_TRACE}/production-orders/{{order_no}}", "update_production_order", False, True),
    ("production_order_detail", "生产订单详情", "溯源体系/生产订单", "GET", f"{_TRACE}/production-orders/{{order_no}}", "get_production_order", True, True),
    ("production_task_create", "创建生产任务单", "溯源体系/生产订单", "POST", f"{_TRACE}/production-tasks", "", False, False),
    ("production_order_codes", "生产订单数码明细", "溯源体系/生产订单", "GET", f"{_TRACE}/production-orders/{{order_no}}/codes", "get_production_order_codes", True, True),
    ("production_order_page", "获取订单列表分页", "溯源体系/生产订单", "POST", f"{_TRACE}/production-orders/page", "get_production_orders_page", True, True),
    ("production_order_statistics", "生产订单列表统计", "溯源体系/生产订单", "POST", f"{_TRACE}/production-orders/statistics", "", True, True),
    ("production_file_upload", "上传生产文件", "溯源体系/生产订单", "POST", f"{_TRACE}/production-files", "", False, False),
    ("production_offline_codes", "离线生产-上传数码", "溯源体系/生产订单", "POST", f"{_TRACE}/offline-production/codes", "", False, False),
    ("production_order_sync_save", "同步生产订单-保存订单", "溯源体系/生产订单", "POST", f"{_TRACE}/production-orders/sync", "", False, False),
    ("production_order_sync_delete", "同步生产订单-删除订单", "溯源体系/生产订单", "POST", f"{_TRACE}/production-orders/sync-delete", "", False, False),
    # ------------------------------------------------------------------ 溯源体系/物流订单
    ("logistics_order_create", "创建物流订单", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders", "create_logistics_order", False, True),
    ("logistics_order_delete", "删除物流订单", "溯源体系/物流订单", "DELETE", f"{_TRACE}/logistics-orders/{{order_no}}", "delete_logistics_order", False, True),
    ("logistics_order_detail", "物流订单详情", "溯源体系/物流订单", "GET", f"{_TRACE}/logistics-orders/{{order_no}}", "get_logistics_order", True, True),
    ("logistics_order_scans", "物流订单扫描明细", "溯源体系/物流订单", "GET", f"{_TRACE}/logistics-orders/{{order_no}}/scans", "get_logistics_order_scans", True, True),
    ("logistics_order_reset", "物流订单状态重置", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/{{order_no}}/reset", "reset_logistics_order", False, True),
    ("executor_order_complete", "执行端完成订单接口", "溯源体系/物流订单", "POST", f"{_TRACE}/executor/orders/{{order_no}}/complete", "", False, False),
    ("executor_orders_pull", "执行端拉取物流订单", "溯源体系/物流订单", "POST", f"{_TRACE}/executor/orders/pull", "", True, False),
    ("executor_scan", "执行端扫码接口", "溯源体系/物流订单", "POST", f"{_TRACE}/executor/scans", "", False, False),
    ("executor_codes_delete", "执行端删除数码", "溯源体系/物流订单", "POST", f"{_TRACE}/executor/scans/delete", "", False, False),
    ("executor_order_cancel", "执行端取消订单", "溯源体系/物流订单", "POST", f"{_TRACE}/executor/orders/{{order_no}}/cancel", "", False, False),
    ("logistics_file_upload", "通过文件上传物流数据", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-files", "", False, False),
    ("logistics_order_detail_by_id", "根据ID获取物流订单详情", "溯源体系/物流订单", "GET", f"{_TRACE}/logistics-orders/by-id/{{order_id}}", "get_logistics_order_by_id", True, True),
    ("logistics_order_complete", "根据订单编号或Id完成订单", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/{{order_no}}/complete", "complete_logistics_order", False, True),
    ("logistics_order_update", "修改物流订单", "溯源体系/物流订单", "PUT", f"{_TRACE}/logistics-orders/{{order_no}}", "update_logistics_order", False, True),
    ("logistics_outbound_page", "出库单列表分页查询", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/outbound/page", "get_outbound_orders_page", True, True),
    ("logistics_return_inbound_page", "退入单列表分页查询", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/return-inbound/page", "get_return_inbound_orders_page", True, True),
    ("stock_movement_summary", "库存动态汇总", "溯源体系/物流订单", "POST", f"{_TRACE}/inventory/movement-summary", "get_stock_movement_summary", True, True),
    ("logistics_data_upload", "上传物流数据", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-data", "", False, False),
    ("logistics_offline_codes", "离线物流-上传数码", "溯源体系/物流订单", "POST", f"{_TRACE}/offline-logistics/codes", "", False, False),
    ("logistics_offline_task", "离线物流-任务详情", "溯源体系/物流订单", "GET", f"{_TRACE}/offline-logistics/tasks/{{task_id}}", "", True, False),
    ("logistics_offline_task_codes", "离线物流-数码列表", "溯源体系/物流订单", "GET", f"{_TRACE}/offline-logistics/tasks/{{task_id}}/codes", "", True, False),
    ("logistics_order_sync_save", "同步物流订单-保存订单", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/sync", "", False, False),
    ("logistics_order_sync_delete", "同步物流订单-删除订单", "溯源体系/物流订单", "POST", f"{_TRACE}/logistics-orders/sync-delete", "", False, False),
    ("code_relations", "获取数码实物关联信息", "溯源体系/物流订单", "POST", f"{_TRACE}/codes/relations", "", True, False),
    ("logistics_order_code_relations", "物流订单数码关系数据", "溯源体系/物流订单", "GET", f"{_TRACE}/logistics-orders/{{order_no}}/code-relations", "", True, True),
    # ------------------------------------------------------------------ 溯源体系/窜货稽查
    ("audit_configs", "查询全部配置", "溯源体系/窜货稽查", "GET", f"{_AUDIT}/configs", "", True, True),
    ("audit_create", "稽查", "溯源体系/窜货稽查", "POST", f"{_AUDIT}/audits", "create_audit", False, True),
    ("audit_confirm", "稽查确认", "溯源体系/窜货稽查", "POST", f"{_AUDIT}/audits/{{audit_id}}/confirm", "confirm_audit", False, True),
    ("audit_records", "查询稽查记录", "溯源体系/窜货稽查", "POST", f"{_AUDIT}/audits/query", "query_audit_records", True, True),
    ("audit_history_page", "查询稽查历史记录(并翻页)", "溯源体系/窜货稽查", "POST", f"{_AUDIT}/audits/history/page", "get_audit_history_page", True, True),
    # ------------------------------------------------------------------ 溯源体系/溯源报表
    ("report_production", "生产统计报表", "溯源体系/溯源报表", "POST", f"{_REPORT}/production-statistics", "get_production_report_page", True, True),
    ("report_inbound", "入库统计报表", "溯源体系/溯源报表", "POST", f"{_REPORT}/inbound-statistics", "get_inbound_report_page", True, True),
    ("report_inbound_scans", "入库扫码报表", "溯源体系/溯源报表", "POST", f"{_REPORT}/inbound-scans", "get_inbound_scan_report_page", True, True),
    ("code_cross_check", "数码互查", "溯源体系/溯源报表", "POST", f"{_TRACE}/codes/cross-check", "", True, False),
    # ------------------------------------------------------------------ 营销体系
    ("member_openid_login", "OPENID自动登录/注册", "营销体系/会员管理", "POST", f"{_MKT}/members/openid-login", "", False, False),
    ("member_info", "获取用户信息", "营销体系/会员管理", "POST", f"{_MKT}/members/info", "", True, False),
    ("members_page", "营销用户分页列表", "营销体系/会员管理", "POST", f"{_MKT}/members/page", "", True, False),
    ("lottery_draw", "营销用户抽奖", "营销体系/营销抽奖", "POST", f"{_MKT}/lottery/draw", "", False, False),
    ("lottery_templates", "找模板接口", "营销体系/营销抽奖", "POST", f"{_MKT}/lottery/templates/query", "", True, False),
    ("lottery_wins_sync", "营销中奖数据同步", "营销体系/营销抽奖", "POST", f"{_MKT}/lottery/wins/sync", "", False, False),
    ("report_wins", "中奖数据报表列表", "营销体系/营销报表", "POST", f"{_MKT}/reports/wins/page", "", True, False),
    ("report_scans", "扫码数据报表列表", "营销体系/营销报表", "POST", f"{_MKT}/reports/scans/page", "", True, False),
    ("mall_gift_groups_sync", "同步第三方礼品分组数据接口", "营销体系/积分商城", "POST", f"{_MKT}/mall/gift-groups/sync", "", False, False),
    ("mall_gifts_sync", "同步第三方平台礼品数据接口", "营销体系/积分商城", "POST", f"{_MKT}/mall/gifts/sync", "", False, False),
    ("mall_order_status_sync", "第三方订单修改状态实时同步接口", "营销体系/积分商城", "POST", f"{_MKT}/mall/orders/status", "", False, False),
    ("grant_wechat", "对外发放平台微信发放", "营销体系/发放平台", "POST", f"{_MKT}/grant/wechat", "", False, False),
    ("activity_save", "保存活动", "营销体系/发放平台/平台活动", "POST", f"{_MKT}/grant/activities", "", False, False),
    ("activity_update", "修改活动基本信息", "营销体系/发放平台/平台活动", "PUT", f"{_MKT}/grant/activities/{{activity_id}}", "", False, False),
    ("activity_gifts_update", "修改活动礼品 - 修改、新增、删除礼品", "营销体系/发放平台/平台活动", "PUT", f"{_MKT}/grant/activities/{{activity_id}}/gifts", "", False, False),
    ("activity_delete", "删除活动", "营销体系/发放平台/平台活动", "DELETE", f"{_MKT}/grant/activities/{{activity_id}}", "", False, False),
    ("activity_gift_delete", "删除活动礼品", "营销体系/发放平台/平台活动", "DELETE", f"{_MKT}/grant/activities/{{activity_id}}/gifts/{{gift_id}}", "", False, False),
    ("activity_deletable", "检查是否能删除活动", "营销体系/发放平台/平台活动", "GET", f"{_MKT}/grant/activities/{{activity_id}}/deletable", "", True, False),
    ("activities_page", "查询活动分页", "营销体系/发放平台/平台活动", "POST", f"{_MKT}/grant/activities/page", "", True, False),
    ("activities_page_with_gifts", "查询活动分页 - 包含礼品", "营销体系/发放平台/平台活动", "POST", f"{_MKT}/grant/activities/page-with-gifts", "", True, False),
    ("activities_list", "查询活动列表", "营销体系/发放平台/平台活动", "POST", f"{_MKT}/grant/activities/list", "", True, False),
    ("activities_list_with_gifts", "查询活动列表 - 包含礼品", "营销体系/发放平台/平台活动", "POST", f"{_MKT}/grant/activities/list-with-gifts", "", True, False),
    ("grant_payments", "对外发放平台支付单据查询", "营销体系/发放平台", "POST", f"{_MKT}/grant/payments/query", "", True, False),
    ("grant_payments_with_gifts", "对外发放平台支付单据查询带gift", "营销体系/发放平台", "POST", f"{_MKT}/grant/payments/query-with-gifts", "", True, False),
    ("grant_gifts_page", "对外发放平台礼品列表(分页)", "营销体系/发放平台", "POST", f"{_MKT}/grant/gifts/page", "", True, False),
    ("grant_gift_detail", "对外发放平台礼品信息获取", "营销体系/发放平台", "GET", f"{_MKT}/grant/gifts/{{gift_id}}", "", True, False),
    ("grant_purchase", "采购/充值中商礼品(作废)", "营销体系/发放平台", "POST", f"{_MKT}/grant/purchases", "", False, False),
    ("grant_purchase_cancel", "取消采购/充值(作废)", "营销体系/发放平台", "POST", f"{_MKT}/grant/purchases/{{order_no}}/cancel", "", False, False),
    ("grant_purchase_detail", "根据订单编号获取充值订单(作废)", "营销体系/发放平台", "GET", f"{_MKT}/grant/purchases/{{order_no}}", "", True, False),
    ("grant_stock_extract", "对外接口库存提取对接提取库存-作废", "营销体系/发放平台", "POST", f"{_MKT}/grant/stock-extractions", "", False, False),
    ("grant_stock_extract_status", "对外接口根据第三方提取id获取提取状态-作废", "营销体系/发放平台", "GET", f"{_MKT}/grant/stock-extractions/{{extract_id}}", "", True, False),
    ("grant_purchase_audit", "采购订单审核(作废)", "营销体系/发放平台", "POST", f"{_MKT}/grant/purchases/{{order_no}}/audit", "", False, False),
    ("outer_code_activity_check", "查询外箱码是否参与过活动", "营销体系/营销数据查询", "POST", f"{_MKT}/data/outer-codes/activity-check", "", True, False),
    # ------------------------------------------------------------------ 数码中台
    ("code_order_create", "新增数码申请下单", "数码中台/订单中心", "POST", f"{_CODE}/code-orders", "", False, False),
    ("code_order_status", "根据订单编号获取订单状态", "数码中台/订单中心", "GET", f"{_CODE}/code-orders/{{order_no}}/status", "", True, False),
    ("code_order_print_package", "根据订单编号获取印厂码包", "数码中台/订单中心", "GET", f"{_CODE}/code-orders/{{order_no}}/print-package", "", True, False),
    ("code_bind", "数码使用-绑定", "数码中台/订单中心", "POST", f"{_CODE}/codes/bind", "", False, False),
    ("inbound_package_download", "入库码包下载", "数码中台/订单中心", "POST", f"{_CODE}/code-packages/inbound/download", "", True, False),
    ("code_order_labels", "生码下单获取标签列表", "数码中台/订单中心", "GET", f"{_CODE}/code-orders/{{order_no}}/labels", "", True, False),
    ("code_combination", "墨尔本项目-数码组合接口", "数码中台", "POST", f"{_CODE}/codes/combination", "", False, False),
    ("p_table_batch_query", "批量查询p表信息", "数码中台", "POST", f"{_CODE}/p-table/batch-query", "", True, False),
    ("d_table_batch_query", "批量查询d表信息", "数码中台", "POST", f"{_CODE}/d-table/batch-query", "", True, False),
    # ------------------------------------------------------------------ IP品控
    ("label_authorize", "标签授权接口", "IP品控", "POST", f"{_IPQC}/labels/authorize", "", False, False),
    ("label_orders_query", "标签订单查询接口", "IP品控", "POST", f"{_IPQC}/label-orders/query", "", True, False),
    ("label_order_cancel", "取消订单接口", "IP品控", "POST", f"{_IPQC}/label-orders/{{order_no}}/cancel", "", False, False),
    ("label_order_create", "新增标签采购订单接口", "IP品控", "POST", f"{_IPQC}/label-orders", "", False, False),
    ("code32_exists", "摩特项目-查询32位码是否存在接口", "IP品控", "POST", f"{_IPQC}/codes/exists-32", "", True, False),
)
# fmt: on

#: every operation page of the navigation, in the navigation's order (deprecated ones included)
OPERATIONS: tuple[Operation, ...] = tuple(Operation(*row) for row in _ROWS)

#: the navigation's pages that are not operations (guides, code tables): listed, nothing to call
REFERENCE_PAGES: tuple[tuple[str, str], ...] = (
    ("平台介绍", "快速入门"),
    ("接入指南", "快速入门"),
    ("组织相关错误代码", "基础资料/组织/基础公共引用"),
    ("组织类型", "基础资料/组织/基础公共引用"),
    ("溯源应用平台错误代码", "溯源体系/公共引用"),
    ("溯源应用平台物流订单类型", "溯源体系/公共引用"),
    ("溯源应用平台物流业务分类", "溯源体系/公共引用"),
    ("溯源应用平台物流方式", "溯源体系/公共引用"),
    ("物流执行服务错误码", "溯源体系/公共引用"),
    ("物流执行端业务类型", "溯源体系/公共引用"),
    ("窜货稽查服务错误代码", "溯源体系/公共引用"),
    ("窜货稽查查询渠道", "溯源体系/公共引用"),
    ("发放平台接入", "营销体系/发放平台"),
    ("错误码说明", "附录"),
    ("行政区划编码表", "附录"),
    ("问题1", "常见问题"),
)

#: the top-level modules, in the navigation's order
MODULES: tuple[str, ...] = tuple(dict.fromkeys(op.module.split("/")[0] for op in OPERATIONS))
