"""``MergedUrls``: a path on the client's base URL, merged once, exactly as httpx merges it."""

from __future__ import annotations

import httpx
import pytest

from airflow_provider.common.connection_settings import MergedUrls


@pytest.mark.parametrize(
    "base", ["https://api.example.com", "https://api.example.com/v2/", "http://127.0.0.1:8080/x"]
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/customer/admin/orders/create",
        "orders/list",
        "/a b/超8",
        "/q?page=1&size=2",
        "https://other.example/abs",
    ],
)
def test_the_url_is_the_one_httpx_builds(base: str, path: str) -> None:
    with httpx.Client(base_url=base) as client:
        assert MergedUrls()(client, path) == client.build_request("POST", path).url


def test_a_path_is_merged_once_and_the_kept_paths_are_bounded() -> None:
    merged = MergedUrls()
    built: list[str] = []
    with httpx.Client(base_url="https://api.example.com") as client:
        build = client.build_request

        def counting(method: str, url: httpx.URL | str, **kwargs: object) -> httpx.Request:
            built.append(str(url))
            return build(method, url, **kwargs)  # type: ignore[arg-type]

        client.build_request = counting  # type: ignore[method-assign]
        first = merged(client, "/orders")
        assert merged(client, "/orders") is first
        assert built == ["/orders"]
        for n in range(MergedUrls.kept + 5):
            merged(client, f"/orders/{n}")
        assert len(merged._urls) <= MergedUrls.kept
