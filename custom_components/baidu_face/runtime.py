"""The client each config entry runs on, and how its errors reach the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    BaiduFaceAuthenticationError,
    BaiduFaceClient,
    BaiduFaceConnectionError,
    BaiduFaceError,
    BaiduFaceFaceNotFoundError,
    BaiduFaceGroupNotFoundError,
    BaiduFaceInvalidImageError,
    BaiduFaceInvalidInputError,
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFacePermissionError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceRateLimitedError,
    BaiduFaceServerBusyError,
    BaiduFaceUserNotFoundError,
)
from .const import (
    CONF_API_KEY,
    CONF_API_VERSION,
    CONF_ENDPOINT,
    CONF_QPS,
    CONF_SECRET_KEY,
    DEFAULT_ENDPOINT,
    DEFAULT_QPS,
    DOMAIN,
)


@dataclass
class BaiduFaceData:
    client: BaiduFaceClient


type BaiduFaceConfigEntry = ConfigEntry[BaiduFaceData]


def create_client(hass: HomeAssistant, data: dict[str, Any], options: dict[str, Any] | None = None) -> BaiduFaceClient:
    return BaiduFaceClient(
        async_get_clientsession(hass),
        data[CONF_API_KEY],
        data[CONF_SECRET_KEY],
        api_version=data.get(CONF_API_VERSION, "auto"),
        base_url=data.get(CONF_ENDPOINT) or DEFAULT_ENDPOINT,
        qps=int((options or {}).get(CONF_QPS, DEFAULT_QPS)),
    )


# Most specific first: the first matching class names the translation.
_TRANSLATIONS: tuple[tuple[type[BaiduFaceError], str], ...] = (
    (BaiduFaceInvalidImageError, "invalid_image"),
    (BaiduFaceInvalidInputError, "invalid_input"),
    (BaiduFaceUserNotFoundError, "user_not_found"),
    (BaiduFaceGroupNotFoundError, "group_not_found"),
    (BaiduFaceFaceNotFoundError, "face_not_found"),
    (BaiduFaceNoFaceError, "no_face"),
    (BaiduFaceNotSupportedError, "not_supported"),
    (BaiduFaceAuthenticationError, "auth_failed"),
    (BaiduFacePermissionError, "no_permission"),
    (BaiduFaceRateLimitedError, "rate_limited"),
    (BaiduFaceQuotaExhaustedError, "quota_exhausted"),
    (BaiduFaceConnectionError, "cannot_connect"),
    (BaiduFaceServerBusyError, "server_busy"),
)


def ha_error(err: BaiduFaceError) -> HomeAssistantError:
    """A translated Home Assistant error for a client error.

    Input refused by the client before any request is the user's to fix
    (ServiceValidationError); everything Baidu refused is a HomeAssistantError.
    """
    key = next((k for kind, k in _TRANSLATIONS if isinstance(err, kind)), "baidu_error")
    placeholders = {
        "error": str(err),
        "code": str(err.error_code or ""),
        "completed": ", ".join(err.completed) or "-",
    }
    if err.completed:
        key = "partial_failure"
    kind = (
        ServiceValidationError
        if key in {"invalid_input", "invalid_image"} and err.error_code is None
        else HomeAssistantError
    )
    return kind(translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders)
