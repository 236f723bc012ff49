"""Devices: one for the Baidu app (the config entry), one per camera subentry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN


def service_device(entry: ConfigEntry, model: str) -> DeviceInfo:
    """Return the device of the Baidu app an entry connects to."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Baidu",
        model=model,
        entry_type=DeviceEntryType.SERVICE,
    )


def camera_device(entry: ConfigEntry, subentry: ConfigSubentry) -> DeviceInfo:
    """Return the device of one camera subentry (its recognition entities hang on it)."""
    return DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        name=subentry.title,
        manufacturer="Baidu",
        model="Face recognition",
        entry_type=DeviceEntryType.SERVICE,
    )
