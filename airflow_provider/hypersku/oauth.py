"""
One-time HyperSKU OAuth2 authorisation: prints the authorise URL, exchanges the returned code
and prints the refresh token to put in the Airflow connection.

Usage::

    # 1. print the URL the HyperSKU user opens (and approves)
    python -m airflow_provider.hypersku.oauth authorize-url --client-id APP --redirect-uri https://you/cb

    # 2. exchange the ``code`` HyperSKU appended to the redirect (client secret from the
    #    environment variable HYPERSKU_CLIENT_SECRET or a prompt; never a command-line argument)
    python -m airflow_provider.hypersku.oauth exchange --client-id APP --code CODE

    # or both steps interactively (paste the whole redirected URL or only the code)
    python -m airflow_provider.hypersku.oauth --client-id APP --redirect-uri https://you/cb

``--base-url`` / ``--auth-url`` point it at another deployment (the sandbox serves both).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Sequence
from typing import Any, TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from airflow_provider.common.errors import ApiError
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.models import OAuth2TokenVo

DEFAULT_AUTH_URL = "https://app.hypersku.com/application/auth"
DEFAULT_SCOPE = "oms"
SECRET_ENV = "HYPERSKU_CLIENT_SECRET"  # noqa: S105 - the name of an environment variable, not its value


def authorize_url(
    client_id: str,
    redirect_uri: str,
    state: str,
    *,
    scope: str = DEFAULT_SCOPE,
    auth_url: str = DEFAULT_AUTH_URL,
) -> str:
    """The page a HyperSKU user opens to authorise the app."""
    query = urlencode({"clientId": client_id, "scope": scope, "redirectUri": redirect_uri, "state": state})
    return f"{auth_url}?{query}"


def code_from(answer: str, expected_state: str | None = None) -> str:
    """The ``code`` from a pasted redirect URL (checking ``state``) or a bare code."""
    answer = answer.strip()
    if "code=" not in answer:
        return answer
    query = parse_qs(urlsplit(answer).query or answer.split("?", 1)[-1])
    code = (query.get("code") or [""])[0]
    states = query.get("state") or []
    if expected_state is not None and states[:1] != [expected_state]:
        raise ValueError("the redirect's state does not match the one sent: start again")
    if not code:
        raise ValueError("no code in the pasted URL")
    return code


def exchange_code(
    code: str,
    client_id: str,
    client_secret: str,
    *,
    base_url: str = HyperSkuHook.default_base_url,
    path: str = HyperSkuHook.endpoints["accessToken"],
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> OAuth2TokenVo:
    """``POST /api/auth/admin/token/access_token`` ``{clientId, clientSecret, code}`` -> tokens.

    Sent by :meth:`HyperSkuHook.exchange_oauth2_code` on a connection held in memory only (this
    runs before any Airflow connection exists); a code works once, so the call is not resent.
    """
    from airflow.sdk import Connection

    extra: dict[str, Any] = {
        "auth_mode": "oauth2",
        "client_id": client_id,
        "client_secret": client_secret,
        "timeout": timeout,
    }
    if path != HyperSkuHook.endpoints["accessToken"]:
        extra["endpoints"] = {"accessToken": path}
    conn = Connection(conn_id="hypersku_oauth", conn_type="hypersku", host=base_url, extra=json.dumps(extra))
    hook = HyperSkuHook(conn.conn_id, transport=transport)
    hook.__dict__["connection"] = conn
    hook._mask_connection_secrets(conn)
    with hook:
        return hook.exchange_oauth2_code(code)


def connection_json(client_id: str, refresh_token: str, base_url: str) -> str:
    """An ``AIRFLOW_CONN_HYPERSKU_DEFAULT`` value for the new refresh token (secret left for you)."""
    host = "" if base_url.rstrip("/") == HyperSkuHook.default_base_url else base_url
    return json.dumps(
        {
            "conn_type": "hypersku",
            "host": host,
            "extra": {
                "auth_mode": "oauth2",
                "client_id": client_id,
                "client_secret": "<your client secret>",
                "refresh_token": refresh_token,
                "store_code": "<your store code>",
            },
        }
    )


def _secret(args: argparse.Namespace, out: TextIO) -> str:
    secret = os.environ.get(SECRET_ENV) or ""
    if not secret:
        secret = getpass.getpass(f"Client secret for {args.client_id} (or set {SECRET_ENV}): ", stream=out)
    if not secret:
        raise SystemExit("a client secret is needed")
    return secret


def _report(vo: OAuth2TokenVo, args: argparse.Namespace, out: TextIO) -> None:
    if not vo.refresh_token:
        raise SystemExit("HyperSKU answered no refreshToken: check that the app is allowed offline access")
    print(
        "\nRefresh token (put it in the connection's extra 'refresh_token'; treat it as a password):",
        file=out,
    )
    print(vo.refresh_token, file=out)
    print("\nConnection JSON (AIRFLOW_CONN_HYPERSKU_DEFAULT), fill in the secret and store code:", file=out)
    print(connection_json(args.client_id, vo.refresh_token, args.base_url), file=out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider.hypersku.oauth",
        description="Authorise a HyperSKU user once and print the refresh token for the Airflow connection.",
    )
    parser.add_argument("command", nargs="?", choices=("authorize-url", "exchange"), help="one step only")
    parser.add_argument("--client-id", required=True, help="clientId of your registered HyperSKU app")
    parser.add_argument("--redirect-uri", help="the redirect URI registered for the app")
    parser.add_argument("--state", help="anti-forgery value echoed back (random when omitted)")
    parser.add_argument("--scope", default=DEFAULT_SCOPE)
    parser.add_argument("--code", help="the code from the redirect (exchange)")
    parser.add_argument("--base-url", default=HyperSkuHook.default_base_url, help="API base URL")
    parser.add_argument("--auth-url", default=DEFAULT_AUTH_URL, help="authorise page URL")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    stdin: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Run the command line; returns the exit code (``transport``: tests talk to a sandbox in process)."""
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    args = build_parser().parse_args(argv)
    state = args.state or secrets.token_urlsafe(12)
    try:
        if args.command in (None, "authorize-url"):
            if not args.redirect_uri:
                raise SystemExit("--redirect-uri is needed to build the authorise URL")
            print("Open this URL as the HyperSKU user and approve the app:", file=out)
            print(
                authorize_url(
                    args.client_id, args.redirect_uri, state, scope=args.scope, auth_url=args.auth_url
                ),
                file=out,
            )
            if args.command == "authorize-url":
                print(f"(state: {state})", file=out)
                return 0
            print("\nPaste the URL HyperSKU redirected to (or only its code):", file=out)
            code = code_from(stdin.readline(), state)
        else:
            if not args.code:
                raise SystemExit("exchange needs --code")
            code = code_from(args.code)
        vo = exchange_code(
            code, args.client_id, _secret(args, out), base_url=args.base_url, transport=transport
        )
    except (ApiError, ValueError, httpx.HTTPError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    _report(vo, args, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
