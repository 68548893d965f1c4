"""docs/sandbox.md lists what the simulators know, as their seed data says: no drift.

Every SKU, place, product, code and credential of the seeds appears on the page, and the token
lifetimes it states are the simulators' own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


@pytest.fixture(scope="module")
def page() -> str:
    """The page's text, its line breaks (wrapped prose) read as spaces."""
    return " ".join(PAGE.read_text(encoding="utf-8").split())


def test_hypersku_skus_countries_and_channels(page: str) -> None:
    from airflow_provider.sandbox.hypersku import seed

    for sku in seed.SANDBOX_SKUS:
        assert f"`{sku}`" in page, sku
    for code, (name, _factor, _days) in seed.SANDBOX_COUNTRIES.items():
        assert f"`{code}` {name}" in page, code
    for code, regions in seed.SANDBOX_REGIONS.items():
        for region, name in regions:
            assert f"`{region}` {name}" in page, (code, region)
    for channel in seed.SANDBOX_LOGISTICS:
        assert f"`{channel['logisticsId']}` {channel['logisticsName']}" in page


def test_supership_places_warehouses_and_goods(page: str) -> None:
    from airflow_provider.sandbox.supership import seed

    for code, province in seed.SANDBOX_AREAS.items():
        assert f"`{code}` {province['name']}" in page, code
        for district_code, district in province["districts"].items():
            assert f"{district['name']} (`{district_code}`)" in page, district_code
    for warehouse in seed.SANDBOX_WAREHOUSES:
        assert f"`{warehouse['code']}` {warehouse['name']}" in page
    for product in seed.SANDBOX_PRODUCTS:
        assert f"`{product['sku']}` {product['name']}" in page


def test_chao8_organisations_products_and_dealers(page: str) -> None:
    from airflow_provider.sandbox.chao8 import seed

    for code in seed.SANDBOX_ORG_CODES:
        assert f"`{code}`" in page
    for product in seed.SANDBOX_PRODUCTS:
        assert f"`{product['productCode']}` {product['productName']}" in page
    for dealer in seed.SANDBOX_DEALERS:
        assert f"`{dealer['code']}` {dealer['name']}" in page


def test_hishopping_catalogue(page: str) -> None:
    from airflow_provider.sandbox.hishopping import seed

    for goods in seed.SANDBOX_GOODS:
        assert f"`{goods['goods_id']}` | {goods['goods_name']}" in page
        for sku in goods["skus"]:
            assert f"`{sku['sku_id']}` {sku['spec']} {sku['price']}" in page
    for category in seed.SANDBOX_CATEGORIES:
        assert f"`{category['category_id']}` {category['name']}" in page
    assert f"{seed.STARTING_CREDIT} {seed.CURRENCY}" in page


def test_every_sandbox_credential_is_listed(page: str) -> None:
    from airflow_provider.sandbox.chao8 import seed as chao8
    from airflow_provider.sandbox.hishopping import seed as hishopping
    from airflow_provider.sandbox.hypersku import seed as hypersku
    from airflow_provider.sandbox.supership import seed as supership

    values = [
        hypersku.SANDBOX_USERNAME,
        hypersku.SANDBOX_PASSWORD,
        hypersku.SANDBOX_STORE_CODE,
        hypersku.SANDBOX_CLIENT_ID,
        hypersku.SANDBOX_CLIENT_SECRET,
        hypersku.SANDBOX_REFRESH_TOKEN,
        hypersku.SANDBOX_API_KEY,
        supership.SANDBOX_PERSONAL_TOKEN,
        supership.SANDBOX_EMAIL,
        supership.SANDBOX_PASSWORD,
        supership.SANDBOX_CLIENT_ID,
        supership.SANDBOX_CLIENT_SECRET,
        supership.SANDBOX_PARTNER,
        chao8.SANDBOX_ACCESS_KEY,
        chao8.SANDBOX_SECRET,
        chao8.SANDBOX_DISABLED_ACCESS_KEY,
        hishopping.SANDBOX_EMAIL,
        hishopping.SANDBOX_PASSWORD,
        hishopping.SANDBOX_APP_ID,
        hishopping.SANDBOX_SECRET_KEY,
        hishopping.SANDBOX_SIGN_KEY,
    ]
    for value in values:
        assert f"`{value}`" in page, value


def _seconds(value: float) -> str:
    return f"{value:,.0f} s"


def test_token_lifetimes_are_the_simulators_own(page: str) -> None:
    from airflow_provider.sandbox.chao8 import seed as chao8
    from airflow_provider.sandbox.hishopping import seed as hishopping
    from airflow_provider.sandbox.hypersku import seed as hypersku
    from airflow_provider.sandbox.supership import seed as supership

    lifetimes = {
        "HyperSKU access token": hypersku.SANDBOX_TOKEN_TTL,
        "SuperShip password-grant token": supership.TOKEN_TTL,
        "超8 access token": chao8.TOKEN_TTL_SECONDS,
        "HiShopping web JWT": hishopping.JWT_TTL,
    }
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| ")}
    for name, ttl in lifetimes.items():
        assert _seconds(ttl) in rows[name], (name, ttl)
    # at the tutorial's --speed 600 and the DAG tests' 900, in real seconds
    assert "| 12 s | 8 s |" in rows["HyperSKU access token"]
    assert hypersku.SANDBOX_TOKEN_TTL / 600 == 12
    assert "| 48 s | 32 s |" in rows["超8 access token"]
    assert chao8.TOKEN_TTL_SECONDS / 900 == 32
    assert "| 144 s | 96 s |" in rows["HiShopping web JWT"]
    assert hishopping.JWT_TTL / 900 == 96
    assert f"{hypersku.SANDBOX_AUTH_CODE_TTL:.0f} s" in rows["HyperSKU OAuth2 authorization code"]
    assert f"{chao8.TOKEN_RATE_WINDOW_SECONDS:.0f} sandbox seconds" in page
