"""
SuperShip sandbox: the partner API ``/v1/partner`` simulated in memory (a FastAPI app).

It answers exactly as ``api/supership.md`` describes: ``Authorization: Bearer <token>``
(a personal access token constant or a password-grant token), the ``Success`` / ``Error``
envelope, place NAMES checked against realistic Vietnamese area data, every order endpoint
(plus the PHP SDK forms: POST for the price, ``GET /v1/partner/orders/label``,
``POST /v1/partner/warehouses/update``), and the 0-27 status lifecycle with journeys on the
sandbox clock. Shared faults (500, 429, dropped connections, lost answers, expired tokens) come
from :func:`airflow_provider.common.sandbox.build_app`.

Inferred behaviour (not documented by SuperShip), marked where it happens:

- a ``soc`` that already exists: HTTP 422 Error, ``errors.soc = ["The soc has already been taken."]``;
- cancelling an order already cancelled, or past pickup: HTTP 422 Error;
- unknown order code / soc: HTTP 404 Error;
- the areas and status lists need no token (SuperShip's own examples send none); a token sent
  there is accepted and ignored;
- order info also carries ``collection`` (what the courier collects: COD plus fees when the
  receiver pays) and ``collected`` (collected so far: all of it once delivered, half of it on a
  partial delivery, nothing otherwise) for COD reconciliation.

Which path an order takes is deterministic: by keywords in its ``soc`` (``PICKUPFAIL``, ``FAIL``
or ``RETURN``, ``PARTIAL``, ``LOST``, ``DELAY``, ``DELIVER``/``SUCCESS``), else by a weighted
hash of the soc (or code) with :data:`DEFAULT_OUTCOME_WEIGHTS`.

Run it alone with ``python -m airflow_provider.sandbox --platform supership``.
"""

import html
import math
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider.common.sandbox import (
    Faults,
    Lifecycle,
    SandboxBackend,
    SandboxClock,
    TokenIssuer,
    build_app,
    pick,
    tz_offset,
)
from airflow_provider.supership import areas as place_names
from airflow_provider.supership.statuses import CANCELLABLE_STATUSES, STATUS_NAMES

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

VN = tz_offset(7)

# ----------------------------------------------------------------------------- credentials
#: password grant (the values of SuperShip's own documentation example)
SANDBOX_CLIENT_ID = "AZN6QUo40w"
SANDBOX_CLIENT_SECRET = "C4fFVeFPkISEDQ8acNo9oSHUd8yIGuvoLWJdX9zY"
SANDBOX_EMAIL = "hmn.store@gmail.com"
SANDBOX_USERNAME = SANDBOX_EMAIL
SANDBOX_PASSWORD = "323423"
SANDBOX_PARTNER = "lPxLuxfiTotCyZ1ZnQjMepUL24HLd05ybNBhVGFN"
#: a personal access token the sandbox always accepts (unless ``revoke_personal_token()``)
SANDBOX_PERSONAL_TOKEN = "ZT2PS0pmHPHDKjRu6EMIcoM8rFM8XYHZ1Ye3zRiQ"
#: seconds a password-grant token lives (SuperShip's example: one year)
TOKEN_TTL = 31536000
#: the shop id inside sandbox order codes
SHOP_ID = "983262"

# ----------------------------------------------------------------------------- areas


def _wards(prefix: str, names: str) -> list[str]:
    return [f"{prefix} {name.strip()}" for name in names.split(",")]


def _numbered(prefix: str, numbers: str) -> list[str]:
    return [f"{prefix} {int(n)}" for n in numbers.split()]


# (code, name, first commune code, commune names); commune codes go up by 3 as in the national list
_District = tuple[str, str, int, list[str]]
_PROVINCES: list[tuple[str, str, list[_District]]] = [
    (
        "01",
        "Thành phố Hà Nội",
        [
            (
                "001",
                "Quận Ba Đình",
                1,
                _wards(
                    "Phường",
                    "Phúc Xá, Trúc Bạch, Vĩnh Phúc, Cống Vị, Liễu Giai, "
                    "Nguyễn Trung Trực, Quán Thánh, Ngọc Hà, Điện Biên, Đội Cấn, "
                    "Ngọc Khánh, Kim Mã, Giảng Võ, Thành Công",
                ),
            ),
            (
                "002",
                "Quận Hoàn Kiếm",
                43,
                _wards(
                    "Phường",
                    "Phúc Tân, Đồng Xuân, Hàng Mã, Hàng Buồm, Hàng Đào, "
                    "Hàng Bồ, Cửa Đông, Lý Thái Tổ, Hàng Bạc, Hàng Gai, "
                    "Chương Dương, Hàng Trống, Cửa Nam, Hàng Bông, "
                    "Tràng Tiền, Trần Hưng Đạo, Phan Chu Trinh, Hàng Bài",
                ),
            ),
            (
                "003",
                "Quận Tây Hồ",
                97,
                _wards(
                    "Phường", "Phú Thượng, Nhật Tân, Tứ Liên, Quảng An, Xuân La, Yên Phụ, Bưởi, Thụy Khuê"
                ),
            ),
            (
                "004",
                "Quận Long Biên",
                121,
                _wards(
                    "Phường",
                    "Thượng Thanh, Ngọc Thụy, Giang Biên, Đức Giang, "
                    "Việt Hưng, Gia Thụy, Ngọc Lâm, Phúc Lợi, Bồ Đề, "
                    "Sài Đồng, Long Biên, Thạch Bàn, Phúc Đồng, Cự Khối",
                ),
            ),
            (
                "005",
                "Quận Cầu Giấy",
                163,
                _wards(
                    "Phường",
                    "Nghĩa Đô, Nghĩa Tân, Mai Dịch, Dịch Vọng, Dịch Vọng Hậu, Quan Hoa, Yên Hoà, Trung Hoà",
                ),
            ),
            (
                "006",
                "Quận Đống Đa",
                187,
                _wards(
                    "Phường",
                    "Cát Linh, Văn Miếu, Quốc Tử Giám, Láng Thượng, "
                    "Ô Chợ Dừa, Văn Chương, Hàng Bột, Láng Hạ, Khâm Thiên, "
                    "Thổ Quan, Nam Đồng, Trung Phụng, Quang Trung, "
                    "Trung Liệt, Phương Liên, Thịnh Quang, Trung Tự, "
                    "Kim Liên, Phương Mai, Ngã Tư Sở, Khương Thượng",
                ),
            ),
            (
                "007",
                "Quận Hai Bà Trưng",
                250,
                _wards(
                    "Phường",
                    "Nguyễn Du, Bạch Đằng, Phạm Đình Hổ, Lê Đại Hành, "
                    "Đồng Nhân, Phố Huế, Đống Mác, Thanh Lương, "
                    "Thanh Nhàn, Cầu Dền, Bách Khoa, Đồng Tâm, Vĩnh Tuy, "
                    "Bạch Mai, Quỳnh Mai, Quỳnh Lôi, Minh Khai, "
                    "Trương Định",
                ),
            ),
            (
                "008",
                "Quận Hoàng Mai",
                304,
                _wards(
                    "Phường",
                    "Thanh Trì, Vĩnh Hưng, Định Công, Mai Động, "
                    "Tương Mai, Đại Kim, Tân Mai, Hoàng Văn Thụ, Giáp Bát, "
                    "Lĩnh Nam, Thịnh Liệt, Trần Phú, Hoàng Liệt, Yên Sở",
                ),
            ),
            (
                "009",
                "Quận Thanh Xuân",
                352,
                _wards(
                    "Phường",
                    "Nhân Chính, Thượng Đình, Khương Trung, Khương Mai, "
                    "Thanh Xuân Trung, Phương Liệt, Hạ Đình, Khương Đình, "
                    "Thanh Xuân Bắc, Thanh Xuân Nam, Kim Giang",
                ),
            ),
            (
                "018",
                "Huyện Gia Lâm",
                565,
                [
                    "Thị trấn Yên Viên",
                    *_wards(
                        "Xã",
                        "Yên Thường, Yên Viên, Ninh Hiệp, Đình Xuyên, Dương Hà, "
                        "Phù Đổng, Trung Mầu, Lệ Chi, Cổ Bi, Đặng Xá, Phú Thị, Kim Sơn",
                    ),
                    "Thị trấn Trâu Quỳ",
                    *_wards(
                        "Xã", "Dương Quang, Dương Xá, Đông Dư, Đa Tốn, Kiêu Kỵ, Bát Tràng, Kim Lan, Văn Đức"
                    ),
                ],
            ),
        ],
    ),
    (
        "31",
        "Thành phố Hải Phòng",
        [
            (
                "303",
                "Quận Hồng Bàng",
                11290,
                _wards(
                    "Phường",
                    "Quán Toan, Hùng Vương, Sở Dầu, Thượng Lý, Hạ Lý, "
                    "Minh Khai, Trại Chuối, Hoàng Văn Thụ, Phan Bội Châu",
                ),
            ),
            (
                "305",
                "Quận Lê Chân",
                11335,
                _wards(
                    "Phường",
                    "Cát Dài, An Biên, Lam Sơn, An Dương, "
                    "Trần Nguyên Hãn, Hồ Nam, Trại Cau, Dư Hàng, Hàng Kênh, "
                    "Đông Hải, Niệm Nghĩa, Nghĩa Xá, Dư Hàng Kênh, "
                    "Kênh Dương, Vĩnh Niệm",
                ),
            ),
        ],
    ),
    (
        "46",
        "Tỉnh Thừa Thiên Huế",
        [
            (
                "474",
                "Thành phố Huế",
                19750,
                _wards(
                    "Phường",
                    "Phú Thuận, Phú Bình, Tây Lộc, Thuận Lộc, Phú Hiệp, "
                    "Phú Hậu, Thuận Hòa, Thuận Thành, Phú Hòa, Phú Cát, "
                    "Kim Long, Vĩ Dạ, Phường Đúc, Vĩnh Ninh, Phú Hội, "
                    "Phú Nhuận, Xuân Phú, Trường An, Phước Vĩnh, An Cựu",
                ),
            ),
        ],
    ),
    (
        "48",
        "Thành phố Đà Nẵng",
        [
            (
                "490",
                "Quận Liên Chiểu",
                20194,
                _wards("Phường", "Hòa Hiệp Bắc, Hòa Hiệp Nam, Hòa Khánh Bắc, Hòa Khánh Nam, Hòa Minh"),
            ),
            (
                "491",
                "Quận Thanh Khê",
                20209,
                _wards(
                    "Phường",
                    "Tam Thuận, Thanh Khê Tây, Thanh Khê Đông, Xuân Hà, "
                    "Tân Chính, Chính Gián, Vĩnh Trung, Thạc Gián, An Khê, "
                    "Hòa Khê",
                ),
            ),
            (
                "492",
                "Quận Hải Châu",
                20239,
                _wards(
                    "Phường",
                    "Thanh Bình, Thuận Phước, Thạch Thang, Hải Châu I, "
                    "Hải Châu II, Phước Ninh, Hòa Thuận Tây, Hòa Thuận Đông, "
                    "Nam Dương, Bình Hiên, Bình Thuận, Hòa Cường Bắc, "
                    "Hòa Cường Nam",
                ),
            ),
            (
                "493",
                "Quận Sơn Trà",
                20278,
                _wards(
                    "Phường",
                    "Thọ Quang, Nại Hiên Đông, Mân Thái, An Hải Bắc, Phước Mỹ, An Hải Tây, An Hải Đông",
                ),
            ),
            ("494", "Quận Ngũ Hành Sơn", 20299, _wards("Phường", "Mỹ An, Khuê Mỹ, Hoà Quý, Hoà Hải")),
            (
                "495",
                "Quận Cẩm Lệ",
                20311,
                _wards("Phường", "Khuê Trung, Hòa Phát, Hòa An, Hòa Thọ Tây, Hòa Thọ Đông, Hòa Xuân"),
            ),
            (
                "497",
                "Huyện Hòa Vang",
                20329,
                _wards(
                    "Xã",
                    "Hòa Bắc, Hòa Liên, Hòa Ninh, Hòa Sơn, Hòa Nhơn, Hòa Phú, "
                    "Hòa Phong, Hòa Châu, Hòa Tiến, Hòa Phước, Hòa Khương",
                ),
            ),
        ],
    ),
    (
        "56",
        "Tỉnh Khánh Hòa",
        [
            (
                "568",
                "Thành phố Nha Trang",
                22330,
                _wards(
                    "Phường",
                    "Vĩnh Hòa, Vĩnh Hải, Vĩnh Phước, Ngọc Hiệp, "
                    "Vĩnh Thọ, Xương Huân, Vạn Thắng, Vạn Thạnh, "
                    "Phương Sài, Phương Sơn, Phước Hải, Phước Tân, "
                    "Lộc Thọ, Phước Tiến, Tân Lập, Phước Hòa, "
                    "Vĩnh Nguyên, Phước Long, Vĩnh Trường",
                ),
            ),
        ],
    ),
    (
        "74",
        "Tỉnh Bình Dương",
        [
            (
                "718",
                "Thành phố Thủ Dầu Một",
                25741,
                _wards(
                    "Phường",
                    "Hiệp Thành, Phú Lợi, Phú Cường, Phú Hòa, "
                    "Phú Thọ, Chánh Nghĩa, Định Hoà, Hoà Phú, Phú Mỹ, "
                    "Phú Tân, Tân An, Hiệp An, Tương Bình Hiệp, "
                    "Chánh Mỹ",
                ),
            ),
        ],
    ),
    (
        "75",
        "Tỉnh Đồng Nai",
        [
            (
                "731",
                "Thành phố Biên Hòa",
                25993,
                _wards(
                    "Phường",
                    "Trảng Dài, Tân Phong, Tân Biên, Hố Nai, Tân Hòa, "
                    "Tân Hiệp, Bửu Long, Tân Tiến, Tam Hiệp, Long Bình, "
                    "Quang Vinh, Tân Mai, Thống Nhất, Trung Dũng, "
                    "Tam Hòa, Hòa Bình, Quyết Thắng, Thanh Bình, Bình Đa, "
                    "An Bình, Bửu Hòa, Long Bình Tân, Tân Vạn",
                ),
            ),
        ],
    ),
    (
        "79",
        "Thành phố Hồ Chí Minh",
        [
            (
                "760",
                "Quận 1",
                26734,
                _wards(
                    "Phường",
                    "Tân Định, Đa Kao, Bến Nghé, Bến Thành, Nguyễn Thái Bình, "
                    "Phạm Ngũ Lão, Cầu Ông Lãnh, Cô Giang, Nguyễn Cư Trinh, Cầu Kho",
                ),
            ),
            (
                "761",
                "Quận 12",
                26764,
                _wards(
                    "Phường",
                    "Thạnh Xuân, Thạnh Lộc, Hiệp Thành, Thới An, Tân Chánh Hiệp, "
                    "An Phú Đông, Tân Thới Hiệp, Trung Mỹ Tây, Tân Hưng Thuận, "
                    "Đông Hưng Thuận, Tân Thới Nhất",
                ),
            ),
            (
                "762",
                "Quận Thủ Đức",
                26797,
                _wards(
                    "Phường",
                    "Linh Xuân, Bình Chiểu, Linh Trung, Tam Bình, Tam Phú, "
                    "Hiệp Bình Phước, Hiệp Bình Chánh, Linh Chiểu, Linh Tây, "
                    "Linh Đông, Bình Thọ, Trường Thọ",
                ),
            ),
            (
                "763",
                "Quận 9",
                27706,
                _wards(
                    "Phường",
                    "Long Bình, Long Thạnh Mỹ, Tân Phú, Hiệp Phú, Tăng Nhơn Phú A, "
                    "Tăng Nhơn Phú B, Phước Long B, Phước Long A, Trường Thạnh, "
                    "Long Phước, Long Trường, Phước Bình, Phú Hữu",
                ),
            ),
            ("764", "Quận Gò Vấp", 26857, _numbered("Phường", "15 13 17 6 16 12 14 10 5 7 4 1 9 8 11 3")),
            (
                "765",
                "Quận Bình Thạnh",
                26905,
                _numbered("Phường", "13 11 27 26 12 25 5 7 24 6 14 15 2 1 3 17 21 22 19 28"),
            ),
            ("766", "Quận Tân Bình", 26965, _numbered("Phường", "2 4 12 13 1 3 11 7 5 10 6 8 9 14 15")),
            (
                "767",
                "Quận Tân Phú",
                27010,
                _wards(
                    "Phường",
                    "Tân Sơn Nhì, Tây Thạnh, Sơn Kỳ, Tân Quý, Tân Thành, "
                    "Phú Thọ Hòa, Phú Thạnh, Phú Trung, Hòa Thạnh, Hiệp Tân, "
                    "Tân Thới Hòa",
                ),
            ),
            ("768", "Quận Phú Nhuận", 27043, _numbered("Phường", "4 5 9 7 3 1 2 8 15 10 11 17 14 12 13")),
            (
                "769",
                "Quận 2",
                27088,
                _wards(
                    "Phường",
                    "Thảo Điền, An Phú, Bình An, Bình Trưng Đông, Bình Trưng Tây, "
                    "Bình Khánh, An Khánh, Cát Lái, Thạnh Mỹ Lợi, An Lợi Đông, "
                    "Thủ Thiêm",
                ),
            ),
            ("770", "Quận 3", 27127, _numbered("Phường", "8 7 14 12 11 13 6 9 10 4 5 3 2 1")),
            ("771", "Quận 10", 27169, _numbered("Phường", "15 13 14 12 11 10 9 1 8 2 4 7 5 6 3")),
            ("772", "Quận 11", 27214, _numbered("Phường", "15 5 14 11 3 10 13 8 9 12 7 6 4 1 2 16")),
            ("773", "Quận 4", 27262, _numbered("Phường", "12 13 9 6 8 10 2 5 4 1 3 16 18 14 15")),
            ("774", "Quận 5", 27307, _numbered("Phường", "4 9 3 12 2 8 15 7 1 11 14 5 6 10 13")),
            ("775", "Quận 6", 27352, _numbered("Phường", "14 13 9 6 12 5 11 2 1 4 8 3 7 10")),
            ("776", "Quận 8", 27394, _numbered("Phường", "8 2 1 3 11 9 10 4 13 12 5 14 6 15 16 7")),
            (
                "777",
                "Quận Bình Tân",
                27442,
                _wards(
                    "Phường",
                    "Bình Hưng Hòa, Bình Hưng Hoà A, Bình Hưng Hoà B, "
                    "Bình Trị Đông, Bình Trị Đông A, Bình Trị Đông B, "
                    "Tân Tạo, Tân Tạo A, An Lạc, An Lạc A",
                ),
            ),
            (
                "778",
                "Quận 7",
                27472,
                _wards(
                    "Phường",
                    "Tân Thuận Đông, Tân Thuận Tây, Tân Kiểng, Tân Hưng, "
                    "Bình Thuận, Tân Quy, Phú Thuận, Tân Phú, Tân Phong, Phú Mỹ",
                ),
            ),
            (
                "783",
                "Huyện Củ Chi",
                27502,
                [
                    "Thị trấn Củ Chi",
                    *_wards(
                        "Xã",
                        "Phú Mỹ Hưng, An Phú, Trung Lập Thượng, "
                        "An Nhơn Tây, Nhuận Đức, Phạm Văn Cội, "
                        "Phú Hòa Đông, Tân Thông Hội, "
                        "Phước Vĩnh An",
                    ),
                ],
            ),
            (
                "784",
                "Huyện Hóc Môn",
                27532,
                [
                    "Thị trấn Hóc Môn",
                    *_wards(
                        "Xã",
                        "Tân Hiệp, Nhị Bình, Đông Thạnh, "
                        "Tân Thới Nhì, Thới Tam Thôn, "
                        "Xuân Thới Sơn, Tân Xuân, Xuân Thới Đông, "
                        "Trung Chánh, Xuân Thới Thượng, Bà Điểm",
                    ),
                ],
            ),
            (
                "785",
                "Huyện Bình Chánh",
                27595,
                [
                    "Thị trấn Tân Túc",
                    *_wards(
                        "Xã",
                        "Phạm Văn Hai, Vĩnh Lộc A, Vĩnh Lộc B, "
                        "Bình Lợi, Lê Minh Xuân, Tân Nhựt, "
                        "Tân Kiên, Bình Hưng, Phong Phú, "
                        "An Phú Tây, Hưng Long, Đa Phước, "
                        "Tân Quý Tây, Bình Chánh, Quy Đức",
                    ),
                ],
            ),
            (
                "786",
                "Huyện Nhà Bè",
                27643,
                [
                    "Thị trấn Nhà Bè",
                    *_wards("Xã", "Phước Kiển, Phước Lộc, Nhơn Đức, Phú Xuân, Long Thới, Hiệp Phước"),
                ],
            ),
        ],
    ),
    (
        "92",
        "Thành phố Cần Thơ",
        [
            (
                "916",
                "Quận Ninh Kiều",
                31117,
                _wards(
                    "Phường",
                    "Cái Khế, An Hòa, Thới Bình, An Nghiệp, An Cư, "
                    "Tân An, An Phú, Xuân Khánh, Hưng Lợi, An Khánh, An Bình",
                ),
            ),
        ],
    ),
]

#: ``{province code: {"name", "districts": {district code: {"name", "communes": {code: name}}}}}``
SANDBOX_AREAS: dict[str, dict[str, Any]] = {
    province_code: {
        "name": province_name,
        "districts": {
            code: {
                "name": name,
                "communes": {f"{first + 3 * i:05d}": commune for i, commune in enumerate(communes)},
            }
            for code, name, first, communes in districts
        },
    }
    for province_code, province_name, districts in _PROVINCES
}
#: the three cities with the most data, by code
HO_CHI_MINH, HA_NOI, DA_NANG = "79", "01", "48"
SANDBOX_PROVINCE_NAMES = {code: data["name"] for code, data in SANDBOX_AREAS.items()}
_REGION = {"01": "N", "31": "N", "46": "C", "48": "C", "56": "C", "74": "S", "75": "S", "79": "S", "92": "S"}
_CITY_CODE = {
    "01": "HNI",
    "31": "HPG",
    "46": "HUE",
    "48": "DNG",
    "56": "KHA",
    "74": "BDG",
    "75": "DNI",
    "79": "SGN",
    "92": "CTO",
}

# ----------------------------------------------------------------------------- seed data
#: the pickup warehouses of the sandbox account (SuperShip's documentation examples)
SANDBOX_WAREHOUSES: list[dict[str, str]] = [
    {
        "code": "WCQ1I07047",
        "name": "Kho Hoàng Nam",
        "phone": "0989999888",
        "contact": "Hoàng Mạnh Nam",
        "address": "47 Huỳnh Văn Bánh",
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận Tân Bình",
        "commune": "Phường 13",
        "primary": "1",
    },
    {
        "code": "WLKGT07050",
        "name": "Kho Hbt",
        "phone": "0989999777",
        "contact": "Trần Cao Cường",
        "address": "47 Lê Lợi",
        "province": "Thành phố Hà Nội",
        "district": "Quận Hoàng Mai",
        "commune": "Phường Thanh Trì",
        "primary": "2",
    },
]
#: the default pickup warehouse code (Hồ Chí Minh) and the Hà Nội one
SANDBOX_PICKUP_CODE = "WCQ1I07047"
SANDBOX_PICKUP_CODE_HANOI = "WLKGT07050"

#: products a demo can put in ``products`` (``product_type`` "2"); prices VND, weights grams
SANDBOX_PRODUCTS: list[dict[str, Any]] = [
    {"sku": "P899234", "name": "Áo thun cotton", "price": 200000, "weight": 200},
    {"sku": "P899789", "name": "Quần jeans nam", "price": 250000, "weight": 300},
    {"sku": "P900112", "name": "Nón bảo hiểm", "price": 180000, "weight": 600},
    {"sku": "P900345", "name": "Cà phê hạt Buôn Ma Thuột 500g", "price": 145000, "weight": 520},
    {"sku": "P900678", "name": "Nước mắm Phú Quốc 500ml", "price": 95000, "weight": 700},
]

#: receivers with valid addresses in three cities
SANDBOX_RECEIVERS: list[dict[str, str]] = [
    {
        "name": "Trương Thế Ngọc",
        "phone": "0945900350",
        "address": "35 Trương Định",
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận 3",
        "commune": "Phường 6",
    },
    {
        "name": "Nguyễn Thu Hà",
        "phone": "0912345678",
        "address": "12 Phố Huế",
        "province": "Thành phố Hà Nội",
        "district": "Quận Hai Bà Trưng",
        "commune": "Phường Phố Huế",
    },
    {
        "name": "Lê Văn Đức",
        "phone": "0905123456",
        "address": "88 Bạch Đằng",
        "province": "Thành phố Đà Nẵng",
        "district": "Quận Hải Châu",
        "commune": "Phường Hải Châu I",
    },
    {
        "name": "Phạm Minh Châu",
        "phone": "0938765432",
        "address": "187/9 Mai Xuân Thưởng",
        "province": "Thành phố Hồ Chí Minh",
        "district": "Quận 6",
        "commune": "Phường 14",
    },
]

# ----------------------------------------------------------------------------- lifecycle
#: simulated seconds spent in each status before the next step of a path
STEP_SECONDS: dict[str, float] = {
    "1": 0,  # approval is immediate: a new order answers "2 Chờ Lấy Hàng"
    "2": 120,
    "3": 120,
    "4": 180,
    "5": 240,
    "8": 240,
    "9": 300,
    "10": 180,
    "11": 300,
    "12": 600,  # delivered, reconciled (16) ten minutes later
    "13": 600,
    "14": 240,
    "15": 120,
    "20": 300,
    "23": 300,
    "25": 600,
}
#: the status path of each outcome
PATHS: dict[str, tuple[str, ...]] = {
    "delivered": ("1", "2", "3", "4", "8", "9", "10", "11", "12", "16"),
    "delayed": ("1", "2", "3", "4", "8", "9", "10", "11", "14", "11", "12", "16"),
    "partial": ("1", "2", "3", "4", "8", "9", "10", "11", "13", "16"),
    "returned": ("1", "2", "3", "4", "8", "9", "10", "11", "15", "20", "21"),
    "pickup_failed": ("1", "2", "3", "5", "3", "6"),
    "lost": ("1", "2", "3", "4", "8", "9", "23", "25", "27"),
}
LIFECYCLES: dict[str, Lifecycle] = {
    name: Lifecycle(tuple((status, STEP_SECONDS.get(status, 0)) for status in path))
    for name, path in PATHS.items()
}
#: simulated seconds from creation to delivered (12) on the normal path
SECONDS_TO_DELIVERED = sum(STEP_SECONDS[s] for s in PATHS["delivered"][:-2])
#: simulated seconds from creation to the last status of the slowest path
SECONDS_TO_FINAL = max(sum(STEP_SECONDS.get(s, 0) for s in path[:-1]) for path in PATHS.values())
#: soc keywords forcing a path (checked in this order, case-insensitive)
SOC_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("PICKUPFAIL", "pickup_failed"),
    ("FAIL", "returned"),
    ("RETURN", "returned"),
    ("PARTIAL", "partial"),
    ("LOST", "lost"),
    ("DELAY", "delayed"),
    ("DELIVER", "delivered"),
    ("SUCCESS", "delivered"),
)
#: share of each path for orders without a keyword
DEFAULT_OUTCOME_WEIGHTS: dict[str, float] = {
    "delivered": 0.8,
    "delayed": 0.05,
    "partial": 0.05,
    "returned": 0.1,
}

_JOURNEY_NOTES = {
    "0": "Hủy Đơn hàng",
    "1": "Tạo Đơn hàng",
    "2": "Duyệt Đơn hàng",
    "3": "Nhân viên đang đến lấy hàng",
    "4": "Lấy hàng thành công",
    "5": "Hoãn lấy hàng: Shop hẹn lấy lại",
    "6": "Không lấy được hàng: không liên lạc được với Shop",
    "8": "Nhập kho",
    "9": "Đang chuyển kho giao",
    "10": "Đã đến kho giao",
    "11": "Nhân viên đang giao hàng",
    "12": "Giao hàng thành công",
    "13": "Giao hàng một phần",
    "14": "Hoãn giao hàng: Không liên lạc được với Người Nhận",
    "15": "Không giao được: Người Nhận từ chối nhận hàng",
    "16": "Đã đối soát giao hàng",
    "20": "Đang trả hàng về Shop",
    "21": "Đã trả hàng cho Shop",
    "23": "Đang vận chuyển",
    "25": "Hàng thất lạc",
    "27": "Đã bồi hoàn cho Shop",
}
_REASONS = {
    "14": ("304", "Không liên lạc được với Người Nhận"),
    "15": ("401", "Người Nhận từ chối nhận hàng"),
}
_AT_RECEIVER = frozenset({"10", "11", "12", "13", "14", "15", "16", "20"})
CONFIG_NAMES = {"1": "Cho Xem Hàng Nhưng Không Cho Thử Hàng", "2": "Cho Thử Hàng", "3": "Không Cho Xem Hàng"}
PAYER_NAMES = {"1": "Người Gửi", "2": "Người Nhận"}
LABEL_SIZES = ("A5", "K46", "T2", "K50", "K75", "K80", "S8", "S9", "S10", "S11", "S12", "S13", "S14")
_PHONE = re.compile(r"^(0\d{9}|\+84\d{9})$")


def sample_order(soc: str, receiver: int = 0, *, cod: int = 220000, **overrides: Any) -> dict[str, Any]:
    """
    A valid create-order body for the sandbox (and for production, with real addresses).

    :param soc: your own order code (keywords such as ``FAIL`` choose the sandbox path).
    :param receiver: index into :data:`SANDBOX_RECEIVERS`.
    :param cod: COD amount to collect (VND).
    """
    products = SANDBOX_PRODUCTS[:2]
    order: dict[str, Any] = {
        "pickup_code": SANDBOX_PICKUP_CODE,
        **SANDBOX_RECEIVERS[receiver % len(SANDBOX_RECEIVERS)],
        "amount": cod,
        "value": sum(p["price"] for p in products),
        "weight": sum(p["weight"] for p in products),
        "soc": soc,
        "note": "Giao giờ hành chính",
        "service": "1",
        "config": "1",
        "payer": "1",
        "product_type": "2",
        "products": [{**p, "quantity": 1} for p in products],
    }
    order.update(overrides)
    return order


def sandbox_connection(url: str, *, auth_mode: str = "token") -> dict[str, Any]:
    """
    The Airflow connection (``AIRFLOW_CONN_SUPERSHIP_DEFAULT`` JSON) for a sandbox at ``url``.

    :param auth_mode: ``token`` (personal access token) or ``password`` (password grant).
    """
    extra: dict[str, Any] = {"auth_mode": auth_mode, "print_url": f"{url.rstrip('/')}/orders/awb"}
    if auth_mode == "password":
        extra.update(
            client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, partner_secret=SANDBOX_PARTNER
        )
        return {
            "conn_type": "supership",
            "host": url,
            "login": SANDBOX_EMAIL,
            "password": SANDBOX_PASSWORD,
            "extra": extra,
        }
    return {"conn_type": "supership", "host": url, "password": SANDBOX_PERSONAL_TOKEN, "extra": extra}


# ----------------------------------------------------------------------------- helpers
def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VN).isoformat(timespec="seconds")


def _mask_phone(phone: str) -> str:
    digits = phone.replace("+84", "0")
    return f"{digits[:3]}****{digits[-3:]}" if len(digits) >= 7 else "****"


def _whole(value: Any) -> int | None:
    """An int from an int or a digit string; ``None`` when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def shipping_fee(sender_province: str, receiver_province: str, same_district: bool, weight: int) -> int:
    """Sandbox price of a parcel (VND): by distance, plus 2 500 per started 500 g above 500 g."""
    if sender_province == receiver_province:
        base = 15000 if same_district else 22000
    elif _REGION.get(sender_province) == _REGION.get(receiver_province):
        base = 25000
    else:
        base = 30000
    extra_steps = max(0, math.ceil((weight - 500) / 500))
    return base + 2500 * extra_steps


def insurance_fee(value: int) -> int:
    """Sandbox insurance (VND): free under 1 000 000, 0.5 % up to 3 000 000, 1 % above."""
    if value < 1_000_000:
        return 0
    rate = 0.005 if value <= 3_000_000 else 0.01
    return int(round(value * rate, -2))


class SuperShipBackend(SandboxBackend):
    """
    State of the SuperShip simulator: areas, warehouses, orders, tokens, webhook, clock, faults.

    :param clock: the sandbox clock (speed it up or ``advance`` it to move orders along).
    :param faults: shared fault injection.
    :param token_ttl: lifetime of password-grant tokens in seconds.
    :param outcome_weights: share of each path for orders whose soc carries no keyword.
    """

    platform = "supership"
    auth_paths = ("/v1/partner/auth/login",)

    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        token_ttl: float = TOKEN_TTL,
        outcome_weights: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(clock=clock, faults=faults)
        self.tokens = TokenIssuer(self.clock, ttl=token_ttl, issuer="supership-sandbox")
        self.outcome_weights = dict(outcome_weights or DEFAULT_OUTCOME_WEIGHTS)
        unknown = set(self.outcome_weights) - set(PATHS)
        if unknown:
            raise ValueError(f"unknown outcomes {sorted(unknown)}; known: {sorted(PATHS)}")
        self.personal_token_revoked = False
        self.refresh_tokens: set[str] = set()
        self.last_headers: dict[str, dict[str, str]] = {}
        self._sequence = 810000000
        self._webhook_pushed: dict[str, int] = {}
        for warehouse in SANDBOX_WAREHOUSES:
            self._add_warehouse(dict(warehouse), created=self.clock.now() - 86400 * 30)

    # ------------------------------------------------------------- controls
    def revoke_personal_token(self) -> None:
        """Refuse :data:`SANDBOX_PERSONAL_TOKEN` from now on (the user replaced it in the dashboard)."""
        self.personal_token_revoked = True

    def orders(self) -> list[dict[str, Any]]:
        """Every order record (tests check for duplicates here)."""
        return self.store.values("orders")

    def order_by_soc(self, soc: str) -> dict[str, Any] | None:
        code = self.store.get("socs", soc)
        return None if code is None else self.store.get("orders", code)

    # ------------------------------------------------------------- auth
    def authorized(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if token == SANDBOX_PERSONAL_TOKEN:
            return not self.personal_token_revoked
        return self.tokens.check(token) is not None

    def login(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        fields = ("client_id", "client_secret", "username", "password", "partner")
        errors = {f: [f"Trường {f} là bắt buộc."] for f in fields if not _text(body.get(f))}
        if errors:
            return 422, _error(next(iter(errors.values()))[0], errors)
        expected = (
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_EMAIL,
            SANDBOX_PASSWORD,
            SANDBOX_PARTNER,
        )
        given = tuple(_text(body.get(f)) for f in fields)
        if given[2].lower() != expected[2] or given[:2] + given[3:] != expected[:2] + expected[3:]:
            return 401, _error("Thông tin đăng nhập không chính xác.", "invalid_credentials")
        access = self.tokens.issue(SANDBOX_EMAIL)
        refresh = secrets.token_urlsafe(30)
        with self.lock:
            self.token_calls += 1
            self.refresh_tokens.add(refresh)
        results = {
            "token_type": "Bearer",
            "expires_in": int(self.tokens.ttl),
            "access_token": access,
            "refresh_token": refresh,
        }
        return 200, _success(results, "Đăng nhập thành công.")

    # ------------------------------------------------------------- areas
    def provinces(self) -> list[dict[str, str]]:
        return [{"code": code, "name": data["name"]} for code, data in SANDBOX_AREAS.items()]

    def districts(self, province_code: str) -> list[dict[str, str]]:
        province = SANDBOX_AREAS.get(province_code.strip())
        if province is None:
            return []
        return [
            {"code": code, "name": d["name"], "province": province["name"]}
            for code, d in province["districts"].items()
        ]

    def communes(self, district_code: str) -> list[dict[str, str]]:
        for province in SANDBOX_AREAS.values():
            district = province["districts"].get(district_code.strip())
            if district is not None:
                return [
                    {"code": code, "name": name, "district": district["name"], "province": province["name"]}
                    for code, name in district["communes"].items()
                ]
        return []

    def resolve_place(
        self, province: Any, district: Any, commune: Any = None, *, with_commune: bool = True
    ) -> tuple[dict[str, str], dict[str, str]]:
        """``(codes and canonical names, errors)`` for place names (full or without prefix)."""
        found: dict[str, str] = {}
        errors: dict[str, str] = {}
        p_name = _text(province)
        p_hit = place_names.find(p_name, SANDBOX_PROVINCE_NAMES.values()) if p_name else None
        if p_hit is None:
            errors["province"] = f"Tên Tỉnh/Thành Phố không hợp lệ: {p_name or '(trống)'}."
            return found, errors
        p_key = next(code for code, name in SANDBOX_PROVINCE_NAMES.items() if name == p_hit)
        found.update(province_code=p_key, province=p_hit)
        districts = SANDBOX_AREAS[p_key]["districts"]
        d_name = _text(district)
        d_hit = place_names.find(d_name, [d["name"] for d in districts.values()]) if d_name else None
        if d_hit is None:
            errors["district"] = f"Tên Quận/Huyện không hợp lệ: {d_name or '(trống)'}."
            return found, errors
        d_key = next(code for code, d in districts.items() if d["name"] == d_hit)
        found.update(district_code=d_key, district=d_hit)
        if not with_commune:
            return found, errors
        c_name = _text(commune)
        communes = districts[d_key]["communes"]
        c_hit = place_names.find(c_name, communes.values()) if c_name else None
        if c_hit is None:
            errors["commune"] = f"Tên Phường/Xã không hợp lệ: {c_name or '(trống)'}."
            return found, errors
        found.update(
            commune_code=next(code for code, name in communes.items() if name == c_hit), commune=c_hit
        )
        return found, errors

    # ------------------------------------------------------------- fee quote
    def price(self, params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        for name in (
            "sender_province",
            "sender_district",
            "receiver_province",
            "receiver_district",
            "weight",
        ):
            if not _text(params.get(name)):
                errors[name] = [f"Trường {name} là bắt buộc."]
        weight = _whole(params.get("weight"))
        if "weight" not in errors and (weight is None or weight < 0):
            errors["weight"] = ["Trường weight phải là một số nguyên không âm."]
        value = _whole(params.get("value")) if _text(params.get("value")) else 0
        if value is None or value < 0:
            errors["value"] = ["Trường value phải là một số nguyên không âm."]
        if errors:
            return 422, _error(_first(errors), errors)
        sender, s_errors = self.resolve_place(
            params["sender_province"], params["sender_district"], with_commune=False
        )
        receiver, r_errors = self.resolve_place(
            params["receiver_province"], params["receiver_district"], with_commune=False
        )
        place_errors = {f"sender_{k}": [v] for k, v in s_errors.items()}
        place_errors |= {f"receiver_{k}": [v] for k, v in r_errors.items()}
        if place_errors:
            return 422, _error(_first(place_errors), place_errors)
        fee = shipping_fee(
            sender["province_code"],
            receiver["province_code"],
            sender["district_code"] == receiver["district_code"],
            int(weight or 0),
        )
        now = self.clock.datetime(VN)
        pickup_day = now if now.hour < 16 else now + timedelta(days=1)
        days = 1 if sender["province_code"] == receiver["province_code"] else 2
        if _REGION.get(sender["province_code"]) != _REGION.get(receiver["province_code"]):
            days = 3
        delivery_day = pickup_day + timedelta(days=days)
        pickup_word = "Chiều nay" if now.hour < 16 else "Sáng mai"
        delivery_word = {1: "Ngày mai", 2: "Ngày mốt"}.get(days, f"{days} ngày nữa")
        quote = {
            "service": "Tốc Hành",
            "fee": fee,
            "insurance": insurance_fee(int(value or 0)),
            "pickup": {"name": f"{pickup_word} - {pickup_day:%d/%m/%Y}"},
            "delivery": {"name": f"{delivery_word} - {delivery_day:%d/%m/%Y}"},
        }
        return 200, _success([quote], "Tính cước phí thành công.")

    # ------------------------------------------------------------- orders
    def create_order(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors, order = self._validate_order(body)
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        soc = order["soc"]
        with self.store.lock:
            if soc and self.store.get("socs", soc) is not None:
                # inferred: SuperShip does not document its answer to a reused soc
                return 422, _error(
                    "Mã đơn riêng (soc) đã tồn tại.", {"soc": ["The soc has already been taken."]}
                )
            self._sequence += 1
            shortcode = str(self._sequence)
            code = (
                f"{_CITY_CODE.get(order['pickup']['province_code'], 'SGN')}S{SHOP_ID}"
                f"{_CITY_CODE.get(order['receiver']['province_code'], 'SGN')[:2]}.{shortcode}"
            )
            order.update(code=code, shortcode=shortcode, created=self.clock.now(), cancelled_at=None)
            number = int(shortcode)
            order["sorting"] = (
                f"{_CITY_CODE.get(order['receiver']['province_code'], 'SGN')}{number % 9 + 1}-{chr(65 + number % 26)}{number % 7 + 1}"
            )
            order["path"] = self._path_for(soc or code)
            self.store.insert("orders", code, order)
            if soc:
                self.store.insert("socs", soc, code)
        results = {
            "code": code,
            "sorting": order["sorting"],
            "shortcode": shortcode,
            "soc": soc or "",
            "phone": order["receiver"]["phone"],
            "address": order["receiver"]["formatted_address"],
            "amount": order["amount"],
            "collection": order["collection"],
            "value": order["value"],
            "weight": order["weight"],
            "fee": order["fee"],
            "insurance": order["insurance"],
            "status": self.status_of(order),
            "status_name": STATUS_NAMES[self.status_of(order)],
        }
        return 200, _success(results, "Tạo đơn hàng thành công.")

    def _path_for(self, key: str) -> str:
        upper = key.upper()
        for keyword, path in SOC_KEYWORDS:
            if keyword in upper:
                return path
        return pick(key, self.outcome_weights)

    def _validate_order(self, body: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
        errors: dict[str, list[str]] = {}

        def need(name: str) -> str:
            value = _text(body.get(name))
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
            return value

        receiver = {k: need(k) for k in ("name", "phone", "address", "province", "district", "commune")}
        if receiver["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", receiver["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        numbers: dict[str, int] = {}
        for name in ("amount", "value", "weight"):
            raw = body.get(name)
            if raw is None or _text(raw) == "":
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
                continue
            number = _whole(raw)
            if number is None or number < 0:
                errors.setdefault(name, []).append(f"Trường {name} phải là một số nguyên không âm.")
            else:
                numbers[name] = number
        allowed = {
            "service": ("1",),
            "config": ("1", "2", "3"),
            "payer": ("1", "2"),
            "product_type": ("1", "2"),
        }
        codes: dict[str, str] = {}
        for name, values in allowed.items():
            value = need(name)
            if value and value not in values:
                errors.setdefault(name, []).append(f"Giá trị của trường {name} không hợp lệ.")
            codes[name] = value
        if codes["product_type"] == "1" and not _text(body.get("product")):
            errors.setdefault("product", []).append("Trường product là bắt buộc khi product_type là 1.")
        if codes["product_type"] == "2":
            products = body.get("products")
            if not isinstance(products, list) or not products:
                errors.setdefault("products", []).append("Trường products là bắt buộc khi product_type là 2.")
            else:
                for index, item in enumerate(products):
                    if not isinstance(item, Mapping) or not _text(item.get("name")):
                        errors.setdefault(f"products.{index}.name", []).append("Tên sản phẩm là bắt buộc.")
                    elif any(_whole(item.get(k)) is None for k in ("price", "weight", "quantity")):
                        errors.setdefault(f"products.{index}", []).append(
                            "price, weight và quantity phải là số nguyên."
                        )
        barter = _text(body.get("barter"))
        if barter and barter not in ("0", "1"):
            errors.setdefault("barter", []).append("Giá trị của trường barter không hợp lệ.")
        soc = _text(body.get("soc"))
        pickup: dict[str, Any] = {}
        pickup_code = _text(body.get("pickup_code"))
        if pickup_code:
            warehouse = self.store.get("warehouses", pickup_code)
            if warehouse is None or warehouse["status"] != "1":
                errors.setdefault("pickup_code", []).append(
                    "Mã kho hàng không tồn tại hoặc đã dừng hoạt động."
                )
            else:
                pickup = dict(warehouse["place"], address=warehouse["address"], phone=warehouse["phone"])
        else:
            sender = {k: need(f"pickup_{k}") for k in ("phone", "address", "province", "district", "commune")}
            if sender["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", sender["phone"])):
                errors.setdefault("pickup_phone", []).append("Số điện thoại không hợp lệ.")
            if sender["province"] and sender["district"] and sender["commune"]:
                place, place_errors = self.resolve_place(
                    sender["province"], sender["district"], sender["commune"]
                )
                for key, message in place_errors.items():
                    errors.setdefault(f"pickup_{key}", []).append(message)
                pickup = dict(place, address=sender["address"], phone=sender["phone"])
        if receiver["province"] and receiver["district"] and receiver["commune"]:
            place, place_errors = self.resolve_place(
                receiver["province"], receiver["district"], receiver["commune"]
            )
            for key, message in place_errors.items():
                errors.setdefault(key, []).append(message)
            receiver.update(place)
        if errors:
            return errors, {}
        receiver["formatted_address"] = ", ".join(
            (receiver["address"], receiver["commune"], receiver["district"], receiver["province"])
        )
        fee = shipping_fee(
            pickup["province_code"],
            receiver["province_code"],
            pickup["district_code"] == receiver["district_code"],
            numbers["weight"],
        )
        insurance = insurance_fee(numbers["value"])
        collection = numbers["amount"] + (fee + insurance if codes["payer"] == "2" else 0)
        order = {
            "soc": soc,
            "receiver": receiver,
            "pickup": pickup,
            "amount": numbers["amount"],
            "value": numbers["value"],
            "weight": numbers["weight"],
            "fee": fee,
            "insurance": insurance,
            "collection": collection,
            "barter": barter or "0",
            "note": _text(body.get("note")),
            **codes,
        }
        return {}, order

    def status_of(self, order: Mapping[str, Any], now: float | None = None) -> str:
        """The order's status at ``now`` on the sandbox clock."""
        now = self.clock.now() if now is None else now
        cancelled = order.get("cancelled_at")
        if cancelled is not None and now >= cancelled:
            return "0"
        return str(LIFECYCLES[order["path"]].status_at(order["created"], now))

    def history(self, order: Mapping[str, Any], now: float | None = None) -> list[tuple[str, float]]:
        """``(status, entered at)`` of every status the order reached by ``now``."""
        now = self.clock.now() if now is None else now
        cancelled = order.get("cancelled_at")
        until = min(now, cancelled) if cancelled is not None else now
        events = [(str(s), t) for s, t in LIFECYCLES[order["path"]].history(order["created"], until)]
        if cancelled is not None and cancelled <= now:
            events = [(s, t) for s, t in events if t < cancelled] + [("0", cancelled)]
        return events

    def collected(self, order: Mapping[str, Any]) -> int:
        """COD the courier has collected (sandbox extension of order info)."""
        reached = {s for s, _ in self.history(order)}
        if reached & {"12"}:
            return int(order["collection"])
        if reached & {"13"}:
            return int(round(order["collection"] / 2, -3))
        return 0

    def info(self, order: Mapping[str, Any]) -> dict[str, Any]:
        status = self.status_of(order)
        events = self.history(order)
        receiver, pickup = order["receiver"], order["pickup"]
        returned = any(s in ("20", "21") for s, _ in events)
        journeys = [
            {
                "time": _iso(at),
                "status": STATUS_NAMES[s],
                "province": (receiver if s in _AT_RECEIVER else pickup)["province"],
                "district": (receiver if s in _AT_RECEIVER else pickup)["district"],
                "note": _JOURNEY_NOTES.get(s, STATUS_NAMES[s]),
            }
            for s, at in events
        ]
        return {
            "code": order["code"],
            "soc": order["soc"],
            "shortcode": order["shortcode"],
            "sorting": order["sorting"],
            "status": status,
            "status_name": STATUS_NAMES[status],
            "receiver": {
                "name": receiver["name"],
                "phone": _mask_phone(receiver["phone"]),
                "address": receiver["address"],
                "formatted_address": receiver["formatted_address"],
            },
            "fee": {
                "shipment": order["fee"],
                "insurance": order["insurance"],
                "return": order["fee"] // 2 if returned else 0,
                "barter": 0,
                "address": 0,
            },
            "payer": PAYER_NAMES[order["payer"]],
            "amount": order["amount"],
            "value": order["value"],
            "weight": order["weight"],
            "config": CONFIG_NAMES[order["config"]],
            "collection": order["collection"],
            "collected": self.collected(order),
            "journeys": journeys,
            "notes": [],
            "calllogs": [],
            "last_sman": None,
            "created_at": _iso(order["created"]),
            "updated_at": _iso(events[-1][1] if events else order["created"]),
        }

    def find(self, code: str, kind: str) -> dict[str, Any] | None:
        if kind == "2":
            return self.order_by_soc(code)
        return self.store.get("orders", code)

    def cancel(self, code: str) -> tuple[int, dict[str, Any]]:
        if not code:
            return 422, _error("Trường code là bắt buộc.", {"code": ["Trường code là bắt buộc."]})
        with self.store.lock:
            order = self.store.get("orders", code)
            if order is None:
                return 404, _error(
                    "Không tìm thấy đơn hàng.", {"code": [f"Mã đơn hàng {code} không tồn tại."]}
                )
            status = self.status_of(order)
            if status == "0":
                # inferred: the answer to a second cancel is not documented
                return 422, _error("Đơn hàng đã được hủy trước đó.", {"code": ["Đơn hàng đã được hủy."]})
            if status not in CANCELLABLE_STATUSES:
                return 422, _error(
                    f"Đơn hàng đang ở trạng thái {STATUS_NAMES[status]}, không thể hủy.",
                    {"code": ["Chỉ hủy được đơn hàng chưa lấy hàng."]},
                )
            order["cancelled_at"] = self.clock.now()
        results = {
            "code": order["code"],
            "soc": order["soc"],
            "address": order["receiver"]["formatted_address"],
            "status": "0",
            "status_name": "Hủy",
        }
        return 200, _success(results, "Hủy đơn hàng thành công.")

    def label_token(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        codes = body.get("code")
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not codes:
            return 422, _error(
                "Trường code là bắt buộc.", {"code": ["Trường code phải là một mảng mã đơn hàng."]}
            )
        unknown = [c for c in codes if self.store.get("orders", str(c)) is None]
        if unknown:
            return 422, _error(
                "Mã đơn hàng không hợp lệ.", {"code": [f"Không tìm thấy: {', '.join(map(str, unknown))}"]}
            )
        token = str(uuid.uuid1())
        self.store.insert(
            "label_tokens", token, {"codes": [str(c) for c in codes], "created": self.clock.now()}
        )
        return 200, _success({"token": token}, "Tạo token in thành công.")

    def label_page(self, token: str, size: str) -> tuple[int, str]:
        entry = self.store.get("label_tokens", token)
        if entry is None:
            return 404, "<!doctype html><title>SuperShip</title><p>Token in không hợp lệ.</p>"
        size = size.upper() or "A5"
        if size not in LABEL_SIZES:
            return (
                422,
                f"<!doctype html><title>SuperShip</title><p>Khổ giấy {html.escape(size)} không hợp lệ.</p>",
            )
        parts = [
            f"<!doctype html><html><head><meta charset='utf-8'><title>SuperShip {size}</title></head><body>"
        ]
        for code in entry["codes"]:
            order = self.store.get("orders", code)
            receiver = order["receiver"]
            parts.append(
                f"<section class='label label-{size}' data-code='{html.escape(code)}'>"
                f"<h1>{html.escape(order['shortcode'])}</h1><p>{html.escape(code)} · {html.escape(order['sorting'])}</p>"
                f"<p>{html.escape(receiver['name'])} – {html.escape(_mask_phone(receiver['phone']))}</p>"
                f"<p>{html.escape(receiver['formatted_address'])}</p>"
                f"<p>Thu hộ: {order['collection']:,} đ</p></section>"
            )
        parts.append("</body></html>")
        return 200, "".join(parts)

    # ------------------------------------------------------------- warehouses
    def _add_warehouse(self, data: dict[str, Any], created: float | None = None) -> dict[str, Any]:
        place, _errors = self.resolve_place(data["province"], data["district"], data["commune"])
        now = self.clock.now() if created is None else created
        warehouse = {
            "code": data["code"],
            "name": data["name"],
            "phone": data["phone"],
            "contact": data["contact"],
            "address": data["address"],
            "place": place,
            "status": "1",
            "primary": data.get("primary", "2"),
            "created": now,
            "updated": now,
        }
        with self.store.lock:
            if warehouse["primary"] == "1":
                for other in self.store.values("warehouses"):
                    other["primary"] = "2"
            self.store.insert("warehouses", warehouse["code"], warehouse)
        return warehouse

    @staticmethod
    def warehouse_json(w: Mapping[str, Any]) -> dict[str, Any]:
        place = w["place"]
        return {
            "code": w["code"],
            "name": w["name"],
            "address": w["address"],
            "formatted_address": ", ".join(
                (w["address"], place["commune"], place["district"], place["province"])
            ),
            "status": w["status"],
            "status_name": "Hoạt Động" if w["status"] == "1" else "Dừng Hoạt Động",
            "primary": w["primary"],
            "primary_name": "Kho Mặc Định" if w["primary"] == "1" else "Kho Thường",
            "created_at": _iso(w["created"]),
            "updated_at": _iso(w["updated"]),
        }

    def create_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        fields = ("name", "phone", "contact", "address", "province", "district", "commune", "primary")
        values = {f: _text(body.get(f)) for f in fields}
        for name, value in values.items():
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
        if values["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", values["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if values["primary"] and values["primary"] not in ("1", "2"):
            errors.setdefault("primary", []).append("Giá trị của trường primary không hợp lệ.")
        if not errors:
            _place, place_errors = self.resolve_place(
                values["province"], values["district"], values["commune"]
            )
            for key, message in place_errors.items():
                errors.setdefault(key, []).append(message)
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        code = "W" + secrets.token_hex(5).upper()[:9]
        warehouse = self._add_warehouse({**values, "code": code})
        return 200, _success(self.warehouse_json(warehouse), "Tạo kho hàng thành công.")

    def update_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        values = {f: _text(body.get(f)) for f in ("code", "name", "phone", "contact")}
        errors = {f: [f"Trường {f} là bắt buộc."] for f, v in values.items() if not v}
        if values["phone"] and not _PHONE.fullmatch(re.sub(r"[\s.\-()]", "", values["phone"])):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if errors:
            return 422, _error(_first(errors, more=True), errors)
        with self.store.lock:
            warehouse = self.store.get("warehouses", values["code"])
            if warehouse is None:
                return 404, _error("Không tìm thấy kho hàng.", {"code": ["Mã kho hàng không tồn tại."]})
            diff = {f: values[f] for f in ("name", "phone", "contact") if warehouse[f] != values[f]}
            warehouse.update(diff)
            warehouse["updated"] = self.clock.now()
        return 200, _success(
            {"code": values["code"], "diff": diff, "updated_at": _iso(warehouse["updated"])},
            "Cập nhật kho hàng thành công.",
        )

    # ------------------------------------------------------------- webhooks
    def webhook(self) -> dict[str, Any] | None:
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return None
        return {"url": hook["url"], "created_at": _iso(hook["created"]), "updated_at": _iso(hook["updated"])}

    def register_webhook(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        url = _text(body.get("url"))
        if not re.fullmatch(r"https?://\S+", url):
            return 422, _error("Trường url không hợp lệ.", {"url": ["Trường url phải là một URL hợp lệ."]})
        now = self.clock.now()
        with self.store.lock:
            current = self.store.get("webhooks", "current")
            created = current["created"] if current else now
            self.store.table("webhooks")["current"] = {"url": url, "created": created, "updated": now}
        return 200, _success(self.webhook(), "Tạo webhook thành công.")

    def webhook_payloads(self) -> list[tuple[str, dict[str, Any]]]:
        """``(order code, payload)`` for every status change not pushed yet, oldest first."""
        pending: list[tuple[float, str, int, dict[str, Any]]] = []
        for order in self.orders():
            events = self.history(order)
            done = self._webhook_pushed.get(order["code"], 0)
            for index, (status, at) in enumerate(events[done:], start=done):
                reason = _REASONS.get(status, ("", ""))
                payload = {
                    "type": "update_status",
                    "code": order["code"],
                    "shortcode": order["shortcode"],
                    "soc": order["soc"],
                    "name": order["receiver"]["name"],
                    "phone": order["receiver"]["phone"],
                    "address": order["receiver"]["formatted_address"],
                    "payer": order["payer"],
                    "amount": order["amount"],
                    "weight": order["weight"],
                    "fshipment": order["fee"],
                    "finsurance": order["insurance"],
                    "status": status,
                    "status_name": STATUS_NAMES[status],
                    "partial": "1" if status == "13" else "0",
                    "barter": order["barter"],
                    "reason_code": reason[0],
                    "reason_text": reason[1],
                    "created_at": _iso(order["created"]),
                    "updated_at": _iso(at),
                    "pushed_at": _iso(self.clock.now()),
                }
                pending.append((at, order["code"], index + 1, payload))
        pending.sort(key=lambda item: item[0])
        return [(code, payload) for _at, code, _n, payload in pending]

    def deliver_webhooks(self, client: "httpx.Client | None" = None) -> int:
        """
        POST every pending status change to the registered URL (HTTP 200 = delivered).

        SuperShip pushes on its own; the sandbox pushes when this is called. Returns how many
        payloads were delivered; the others are tried again next time.
        """
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return 0
        import httpx

        own = client is None
        http = client or httpx.Client(timeout=10)
        delivered = 0
        try:
            for code, payload in self.webhook_payloads():
                if self._webhook_pushed.get(code, 0) >= len(self.history(self.store.get("orders", code))):
                    continue
                try:
                    response = http.post(
                        hook["url"], json=payload, headers={"Content-Type": "application/json"}
                    )
                except httpx.HTTPError:
                    break
                if response.status_code != 200:
                    break
                self._webhook_pushed[code] = self._webhook_pushed.get(code, 0) + 1
                delivered += 1
        finally:
            if own:
                http.close()
        return delivered


def _success(results: Any, message: str = "") -> dict[str, Any]:
    return {"status": "Success", "message": message, "results": results}


def _error(message: str, errors: Any = None) -> dict[str, Any]:
    return {"status": "Error", "message": message, "errors": errors if errors is not None else message}


def _first(errors: Mapping[str, list[str]], *, more: bool = False) -> str:
    first = next(iter(errors.values()))[0]
    others = sum(len(v) for v in errors.values()) - 1
    return f"{first} (và {others} lỗi khác)" if more and others else first


# ----------------------------------------------------------------------------- the app
def create_app(backend: "SuperShipBackend | None" = None, **kwargs: Any) -> "FastAPI":
    """
    The SuperShip sandbox app.

    :param backend: an existing backend (tests keep a handle on it); else one is built from kwargs
        (``clock``, ``faults``, ``token_ttl``, ``outcome_weights``).
    """
    # Annotations below are evaluated here (no ``from __future__ import annotations`` in this
    # module), so FastAPI sees the real classes while importing this module stays cheap.
    from fastapi import Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    backend = backend or SuperShipBackend(**kwargs)
    app = build_app(backend, "SuperShip sandbox")

    def answer(status: int, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, status_code=status)

    def unauthorized() -> JSONResponse:
        return answer(401, _error("Unauthenticated.", "Access-Token không hợp lệ hoặc đã hết hạn."))

    def guard(request: Request) -> JSONResponse | None:
        backend.last_headers[request.url.path] = {
            k: v for k, v in request.headers.items() if k.lower() in ("accept", "content-type")
        }
        return None if backend.authorized(request.headers.get("authorization")) else unauthorized()

    async def body_of(request: Request) -> dict[str, Any] | JSONResponse:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            import json

            data = json.loads(raw)
        except ValueError:
            return answer(400, _error("Dữ liệu gửi lên không phải JSON hợp lệ.", "invalid_json"))
        if not isinstance(data, dict):
            return answer(422, _error("Dữ liệu gửi lên phải là một đối tượng JSON.", "invalid_body"))
        return data

    async def guarded_body(request: Request) -> dict[str, Any] | JSONResponse:
        """The JSON body of an authorised request, or the error answer to send instead."""
        denied = guard(request)
        return denied if denied is not None else await body_of(request)

    @app.post("/v1/partner/auth/login")
    async def login(request: Request) -> Response:
        body = await body_of(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.login(body))

    @app.get("/v1/partner/areas/province")
    async def provinces(request: Request) -> Response:
        return answer(200, _success(backend.provinces(), "Lấy danh sách Tỉnh/Thành Phố thành công."))

    @app.get("/v1/partner/areas/district")
    async def districts(request: Request) -> Response:
        code = request.query_params.get("province", "")
        if not code:
            return answer(
                422, _error("Trường province là bắt buộc.", {"province": ["Trường province là bắt buộc."]})
            )
        return answer(200, _success(backend.districts(code), "Lấy danh sách Quận/Huyện thành công."))

    @app.get("/v1/partner/areas/commune")
    async def communes(request: Request) -> Response:
        code = request.query_params.get("district", "")
        if not code:
            return answer(
                422, _error("Trường district là bắt buộc.", {"district": ["Trường district là bắt buộc."]})
            )
        return answer(200, _success(backend.communes(code), "Lấy danh sách Phường/Xã thành công."))

    @app.api_route("/v1/partner/orders/price", methods=["GET", "POST"])
    async def price(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            body = await body_of(request)
            if isinstance(body, JSONResponse):
                return body
            params.update({k: v for k, v in body.items() if v is not None})
        return answer(*backend.price(params))

    @app.post("/v1/partner/orders/add")
    async def add(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.create_order(body))

    @app.get("/v1/partner/orders/info")
    async def info(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        code = request.query_params.get("code", "").strip()
        kind = request.query_params.get("type", "1").strip() or "1"
        if not code:
            return answer(422, _error("Trường code là bắt buộc.", {"code": ["Trường code là bắt buộc."]}))
        if kind not in ("1", "2"):
            return answer(
                422, _error("Trường type không hợp lệ.", {"type": ["Trường type phải là 1 hoặc 2."]})
            )
        order = backend.find(code, kind)
        if order is None:
            return answer(
                404, _error("Không tìm thấy đơn hàng.", {"code": [f"Không tìm thấy đơn hàng {code}."]})
            )
        return answer(200, _success(backend.info(order), "Lấy thông tin đơn hàng thành công."))

    @app.get("/v1/partner/orders/status")
    async def statuses(request: Request) -> Response:
        order = [str(n) for n in range(1, 23)] + ["0"] + [str(n) for n in range(23, 28)]
        results = [{"key": key, "value": STATUS_NAMES[key]} for key in order]
        return answer(200, _success(results, "Lấy Danh Sách Trạng Thái thành công."))

    @app.post("/v1/partner/orders/cancel")
    async def cancel(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.cancel(_text(body.get("code"))))

    @app.post("/v1/partner/orders/token")
    async def label_token(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.label_token(body))

    async def label_page(request: Request) -> Response:
        status, page = backend.label_page(
            request.query_params.get("token", ""), request.query_params.get("size", "A5")
        )
        return HTMLResponse(page, status_code=status)

    # the print token is the credential of the print page (a browser follows the link)
    app.add_api_route("/v1/partner/orders/label", label_page, methods=["GET"])
    app.add_api_route("/orders/awb", label_page, methods=["GET"])

    @app.get("/v1/partner/warehouses")
    async def warehouses(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        rows = sorted(backend.store.values("warehouses"), key=lambda w: w["created"])
        return answer(
            200, _success([backend.warehouse_json(w) for w in rows], "Lấy danh sách kho thành công.")
        )

    @app.post("/v1/partner/warehouses/create")
    async def create_warehouse(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.create_warehouse(body))

    @app.post("/v1/partner/warehouses/update")
    async def update_warehouse(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.update_warehouse(body))

    @app.get("/v1/partner/webhooks")
    async def webhooks(request: Request) -> Response:
        denied = guard(request)
        if denied:
            return denied
        return answer(200, _success(backend.webhook(), "Lấy thông tin webhook thành công."))

    @app.post("/v1/partner/webhooks/create")
    async def create_webhook(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        return answer(*backend.register_webhook(body))

    return app
