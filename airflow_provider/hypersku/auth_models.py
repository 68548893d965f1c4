"""HyperSKU's authentication schemas: the password token call and the OAuth2 token calls."""

from __future__ import annotations

from pydantic import AliasChoices, ConfigDict, Field

from airflow_provider.common.models import ApiModel, RequestModel


class LoginReqDto(RequestModel):
    """``LoginReqDto``: body of ``POST /api/auth/admin/token`` (sent exactly as given: no stripping)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    username: str
    password: str


class LoginResDto(ApiModel):
    """``LoginResDto``: ``{message, status, token}``."""

    message: str | None = None
    status: int | None = None
    token: str | None = None


class OAuth2AccessTokenReq(RequestModel):
    """``OAuth2AccesTokenReq`` (vendor spelling): exchange of an authorisation ``code``."""

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: str = Field(alias="clientSecret", min_length=1)
    code: str = Field(min_length=1)


class OAuth2RefreshTokenReq(RequestModel):
    """``OAuth2RefreshTokenReq``: a new access token for a refresh token."""

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: str = Field(alias="clientSecret", min_length=1)
    refresh_token: str = Field(alias="refreshToken", min_length=1)


class OAuth2TokenVo(ApiModel):
    """``OAuth2TokenVo``: ``{accessToken, refreshToken, expiresIn}`` (seconds)."""

    access_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("accessToken", "access_token", "token"),
        serialization_alias="accessToken",
    )
    refresh_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("refreshToken", "refresh_token"),
        serialization_alias="refreshToken",
    )
    expires_in: int | None = Field(
        default=None,
        validation_alias=AliasChoices("expiresIn", "expires_in"),
        serialization_alias="expiresIn",
    )


#: the vendor's spelling of :class:`OAuth2AccessTokenReq`
OAuth2AccesTokenReq = OAuth2AccessTokenReq
