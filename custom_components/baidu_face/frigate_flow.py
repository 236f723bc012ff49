"""The camera form's Frigate step: where Frigate is, which camera and zones, and the sub_label write-back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from .const import (
    CONF_FRIGATE_CAMERA,
    CONF_FRIGATE_PASSWORD,
    CONF_FRIGATE_SUB_LABEL,
    CONF_FRIGATE_SUB_LABEL_POLICY,
    CONF_FRIGATE_TOPIC_PREFIX,
    CONF_FRIGATE_URL,
    CONF_FRIGATE_USERNAME,
    CONF_FRIGATE_VERIFY_SSL,
    CONF_FRIGATE_ZONES,
)
from .frigate import (
    FrigateAuthError,
    FrigateError,
    FrigateServer,
    create_frigate_client,
    frigate_servers,
    frigate_url,
)
from .frigate_events import SubLabelPolicy

# What a camera with the live picture as its source does not keep.
FRIGATE_FIELDS: Final = frozenset(
    {
        CONF_FRIGATE_URL,
        CONF_FRIGATE_USERNAME,
        CONF_FRIGATE_PASSWORD,
        CONF_FRIGATE_VERIFY_SSL,
        CONF_FRIGATE_CAMERA,
        CONF_FRIGATE_ZONES,
        CONF_FRIGATE_SUB_LABEL,
        CONF_FRIGATE_SUB_LABEL_POLICY,
        CONF_FRIGATE_TOPIC_PREFIX,
    }
)
_PASSWORD = selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD))


def frigate_defaults(hass: HomeAssistant) -> dict[str, Any]:
    """Return the form's first answers: the Frigate integration's entry (URL, login) where it is installed."""
    defaults: dict[str, Any] = {
        CONF_FRIGATE_VERIFY_SSL: True,
        CONF_FRIGATE_SUB_LABEL: False,
        CONF_FRIGATE_SUB_LABEL_POLICY: SubLabelPolicy.KEEP_FRIGATE.value,
    }
    servers = frigate_servers(hass)
    if servers:
        server = servers[0]
        defaults |= {CONF_FRIGATE_URL: server.url, CONF_FRIGATE_VERIFY_SSL: server.verify_ssl}
        if server.username:
            defaults |= {CONF_FRIGATE_USERNAME: server.username, CONF_FRIGATE_PASSWORD: server.password}
    return defaults


def with_known_password(answers: dict[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers with the known password where it was left empty for the known user.

    The form never shows a stored password (it would reach the browser), so an
    empty password keeps the one the subentry or the Frigate integration holds.
    """
    same_user = (answers.get(CONF_FRIGATE_USERNAME) or None) == (known.get(CONF_FRIGATE_USERNAME) or None)
    if answers.get(CONF_FRIGATE_PASSWORD) or not same_user:
        return answers
    return {**answers, CONF_FRIGATE_PASSWORD: known.get(CONF_FRIGATE_PASSWORD)}


def frigate_schema() -> vol.Schema:
    """Return the Frigate step's form."""
    return vol.Schema(
        {
            vol.Required(CONF_FRIGATE_URL): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
            ),
            # Empty on the internal port (5000); a user with Frigate's admin role on 8971.
            vol.Optional(CONF_FRIGATE_USERNAME): str,
            vol.Optional(CONF_FRIGATE_PASSWORD): _PASSWORD,
            vol.Required(CONF_FRIGATE_VERIFY_SSL, default=True): bool,
            vol.Required(CONF_FRIGATE_CAMERA): str,
            vol.Optional(CONF_FRIGATE_ZONES, default=[]): selector.SelectSelector(
                selector.SelectSelectorConfig(options=[], multiple=True, custom_value=True)
            ),
            vol.Required(CONF_FRIGATE_SUB_LABEL, default=False): bool,
            vol.Required(CONF_FRIGATE_SUB_LABEL_POLICY, default=SubLabelPolicy.KEEP_FRIGATE.value): (
                selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[policy.value for policy in SubLabelPolicy],
                        translation_key=CONF_FRIGATE_SUB_LABEL_POLICY,
                    )
                )
            ),
        }
    )


async def validate_frigate(hass: HomeAssistant, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Prove the answers with a call (Frigate's config): return what the subentry keeps, or the form's errors."""
    try:
        url = frigate_url(str(answers.get(CONF_FRIGATE_URL, "")))
    except ValueError:
        return {}, {CONF_FRIGATE_URL: "frigate_invalid_url"}
    username = (answers.get(CONF_FRIGATE_USERNAME) or "").strip() or None
    password = answers.get(CONF_FRIGATE_PASSWORD) or None
    verify_ssl = bool(answers.get(CONF_FRIGATE_VERIFY_SSL, True))
    client = create_frigate_client(hass, FrigateServer(url, username, password, verify_ssl))
    try:
        config = await client.config()
    except FrigateAuthError:
        return {}, {"base": "frigate_invalid_auth"}
    except FrigateError:
        return {}, {"base": "frigate_cannot_connect"}
    camera = str(answers.get(CONF_FRIGATE_CAMERA, "")).strip()
    if camera not in config.cameras:
        return {}, {CONF_FRIGATE_CAMERA: "frigate_unknown_camera"}
    zones = list(answers.get(CONF_FRIGATE_ZONES) or [])
    if set(zones) - set(config.cameras[camera].zones):
        return {}, {CONF_FRIGATE_ZONES: "frigate_unknown_zone"}
    return {
        CONF_FRIGATE_URL: url,
        CONF_FRIGATE_USERNAME: username,
        CONF_FRIGATE_PASSWORD: password,
        CONF_FRIGATE_VERIFY_SSL: verify_ssl,
        CONF_FRIGATE_CAMERA: camera,
        CONF_FRIGATE_ZONES: zones,
        CONF_FRIGATE_SUB_LABEL: bool(answers.get(CONF_FRIGATE_SUB_LABEL, False)),
        CONF_FRIGATE_SUB_LABEL_POLICY: str(answers.get(CONF_FRIGATE_SUB_LABEL_POLICY) or SubLabelPolicy.KEEP_FRIGATE),
        CONF_FRIGATE_TOPIC_PREFIX: config.topic_prefix,
    }, {}
