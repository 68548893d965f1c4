"""SuperShip's auth schemas: the password-grant login and the registration of a shop account."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator

from airflow_provider.common.models import RequestModel
from airflow_provider.supership.model_fields import NonEmpty, Phone, SuperShipAnswer, without_none


class LoginRequest(RequestModel):
    """Password grant body of ``POST /v1/partner/auth/login``."""

    client_id: NonEmpty
    client_secret: NonEmpty
    username: NonEmpty
    password: NonEmpty
    partner: NonEmpty


class LoginResult(SuperShipAnswer):
    """``results`` of the login: ``expires_in`` in seconds; ``refresh_token`` is kept, not used."""

    token_type: str = "Bearer"  # noqa: S105 - the token scheme's name, not a token
    expires_in: int | None = None
    access_token: NonEmpty
    refresh_token: str | None = None


class RegisterRequest(RequestModel):
    """
    Body of ``POST /v1/partner/auth/register`` (SuperShip's "Register" / "Đăng Ký"; PHP SDK
    ``createUser``): a new shop account.

    ``password`` and ``partner`` (the partner secret code) are :class:`~pydantic.SecretStr`: they
    never show in ``repr``, logs or ``model_dump``; :meth:`dump` (the wire form) reveals them.

    :param project: the shop / company name (``HMN Store``).
    :param name: the representative's full name.
    :param phone: the shop's phone (Vietnamese number, separators removed).
    :param email: the shop's e-mail: the account's login (SuperShip refuses one already used).
    :param password: the account's password (secret).
    :param partner: the partner secret code issued to large e-commerce partners (secret).
    """

    project: NonEmpty
    name: NonEmpty
    phone: Phone
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    password: SecretStr
    partner: SecretStr

    @field_validator("password", "partner", mode="after")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("required")
        return value

    def secrets(self) -> tuple[str, str]:
        """The password and the partner code, to register with log masking."""
        return self.password.get_secret_value(), self.partner.get_secret_value()

    def dump(self) -> dict[str, Any]:
        """The wire form, secrets revealed (goes only into the request body)."""
        data = super().dump()
        data["password"], data["partner"] = self.secrets()
        return data


class RegisterResult(SuperShipAnswer):
    """
    ``results`` of a registration: the account's ``code``, its ``referral`` code and a token.

    The access token (and a refresh token if the answer carries one, not documented) are
    :class:`~pydantic.SecretStr`; :meth:`compact` leaves them out.
    """

    code: str | None = None
    project: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    referral: str | None = None
    token_type: str = "Bearer"  # noqa: S105 - the token scheme's name, not a token
    expires_in: int | None = None
    access_token: SecretStr
    refresh_token: SecretStr | None = None

    def compact(self) -> dict[str, Any]:
        """XCom data: the account's code, e-mail, referral code and token lifetime (no token)."""
        return without_none(
            {
                "code": self.code,
                "project": self.project,
                "email": self.email,
                "referral": self.referral,
                "expires_in": self.expires_in,
            }
        )
