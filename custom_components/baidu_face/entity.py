"""Devices: one for the Baidu app (the config entry), one per camera subentry, one per person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .runtime import BaiduFaceConfigEntry

if TYPE_CHECKING:
    from .recognition import CameraScanner


def service_device(entry: ConfigEntry, model: str) -> DeviceInfo:
    """Return the device of the Baidu app an entry connects to."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Baidu",
        model=model,
        entry_type=DeviceEntryType.SERVICE,
    )


def app_device(entry: BaiduFaceConfigEntry) -> DeviceInfo:
    """Return the device of a loaded entry's Baidu app, its model naming the API version in use."""
    return service_device(entry, f"Face API {entry.runtime_data.client.api_version.value.upper()}")


def camera_device(entry: ConfigEntry, subentry: ConfigSubentry) -> DeviceInfo:
    """Return the device of one camera subentry (its recognition entities hang on it)."""
    return DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        name=subentry.title,
        manufacturer="Baidu",
        model="Face recognition",
        entry_type=DeviceEntryType.SERVICE,
    )


class CameraEntity(Entity):
    """An entity of one camera subentry, on the camera's device, fed by the camera's scanner."""

    _attr_has_entity_name = True
    # The scanner decides when to scan (triggers, interval; image_processing.scan asks it for
    # one frame) and tells its entities.
    _attr_should_poll = False

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner, key: str, *platform_args: Any) -> None:
        """Belong to `scanner`'s camera; `key` is the translation key and names the entity in its unique id.

        `platform_args` go on to the platform's entity class (an image entity's `hass`).
        """
        super().__init__(*platform_args)
        self._scanner = scanner
        self._attr_translation_key = key
        self._attr_unique_id = scanner.unique_id(key)
        self._attr_device_info = camera_device(entry, entry.subentries[scanner.subentry_id])


# A person's device identifier: the entry's id, then the uid (which may hold any of
# Baidu's uid characters, so it comes last and is split off once).
_PERSON = ":person:"


def person_identifier(entry_id: str, uid: str) -> str:
    """Return the device identifier of the person `uid` of an entry."""
    return f"{entry_id}{_PERSON}{uid}"


def person_uid(entry_id: str, identifier: str) -> str | None:
    """Return the uid a person device identifier names, or None when it is not one of this entry's people."""
    prefix = f"{entry_id}{_PERSON}"
    return identifier.removeprefix(prefix) if identifier.startswith(prefix) else None


def person_device(entry: ConfigEntry, uid: str, name: str, app_device_id: str | None = None) -> DeviceInfo:
    """Return the device of one person of the face set (their last-seen entities hang on it).

    It is reached via the app's device when its registry id is given (Home
    Assistant 2026 links devices by id only).
    """
    info = DeviceInfo(
        identifiers={(DOMAIN, person_identifier(entry.entry_id, uid))},
        name=name,
        manufacturer="Baidu",
        model="Person",
        entry_type=DeviceEntryType.SERVICE,
    )
    if app_device_id is not None:
        info["via_device_id"] = app_device_id
    return info
