"""Baidu AI Face for Home Assistant: recognise faces on cameras, manage the face set."""

from __future__ import annotations

from homeassistant.components.image_processing.const import DATA_COMPONENT as IMAGE_PROCESSING
from homeassistant.components.image_processing.const import DOMAIN as IMAGE_PROCESSING_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType
from homeassistant.setup import async_setup_component

from . import texts
from .api import (
    BaiduFaceAuthenticationError,
    BaiduFaceError,
    BaiduFacePermissionError,
    BaiduFaceQuotaExhaustedError,
)
from .const import (
    CONF_KEPT_DAYS,
    CONF_KEPT_FACES,
    CONF_MAX_VISITORS,
    CONF_VISITOR_DAYS,
    DEFAULT_KEPT_DAYS,
    DEFAULT_KEPT_FACES,
    DEFAULT_MAX_VISITORS,
    DEFAULT_VISITOR_DAYS,
    DOMAIN,
    SUBENTRY_CAMERA,
)
from .errors import ha_error
from .frigate_source import FrigateSource, is_frigate_camera
from .kept_face_view import KeptFaceView
from .kept_faces import FaceStore, async_forget_faces
from .people import People, async_forget_people, device_person_uid
from .runtime import BaiduFaceConfigEntry, BaiduFaceData, create_client
from .scanner import CameraScanner
from .services import async_setup_services
from .usage import Usage, async_forget_usage
from .visitors import Visitors, async_forget_visitors

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.SENSOR,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they exist whether or not an entry is loaded)."""
    async_setup_services(hass)
    hass.http.register_view(KeptFaceView())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> bool:
    """Prove the keys, find the API version, then set up the cameras and the usage sensors."""
    usage = await Usage.async_load(hass, entry)
    client = create_client(hass, dict(entry.data), dict(entry.options), budget=usage)
    try:
        # Proves the keys and finds the API version (one cheap call).
        await client.resolve_api_version()
    except BaiduFaceQuotaExhaustedError:
        # A spent quota is no reason not to start: the usage sensors and the
        # repair say what is spent, and the version is found on a later call.
        pass
    except BaiduFaceAuthenticationError as err:
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="auth_failed") from err
    except BaiduFacePermissionError as err:
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="no_permission") from err
    except BaiduFaceError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="setup_not_ready", translation_placeholders={"error": str(err)}
        ) from err
    # The devices' models and the Activity lines are in Home Assistant's language.
    await texts.async_load(hass)
    faces = await FaceStore.async_load(
        hass,
        entry.entry_id,
        int(entry.options.get(CONF_KEPT_FACES, DEFAULT_KEPT_FACES)),
        int(entry.options.get(CONF_KEPT_DAYS, DEFAULT_KEPT_DAYS)),
    )
    visitors = await Visitors.async_load(
        hass,
        entry,
        client,
        faces,
        int(entry.options.get(CONF_MAX_VISITORS, DEFAULT_MAX_VISITORS)),
        int(entry.options.get(CONF_VISITOR_DAYS, DEFAULT_VISITOR_DAYS)),
    )
    entry.runtime_data = BaiduFaceData(client, usage, faces, await People.async_load(hass, entry, client), visitors)
    usage.async_start()
    entry.async_on_unload(faces.async_start())
    visitors.async_start()
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_CAMERA:
            scanner = CameraScanner(hass, entry, subentry, client, faces, visitors)
            entry.runtime_data.scanners[subentry.subentry_id] = scanner
            if is_frigate_camera(dict(subentry.data)):
                source = FrigateSource(hass, entry, scanner, dict(subentry.data))
                entry.runtime_data.frigate_sources[subentry.subentry_id] = source

    # image_processing has no async_setup_entry of its own, so the entry cannot be
    # forwarded to it; its EntityComponent sets the entry up directly instead.
    await async_setup_component(hass, IMAGE_PROCESSING_DOMAIN, {})
    await hass.data[IMAGE_PROCESSING].async_setup_entry(entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Triggers and intervals start once the entities that show the visits listen.
    for scanner in entry.runtime_data.scanners.values():
        entry.async_on_unload(scanner.async_start())
    for source in entry.runtime_data.frigate_sources.values():
        entry.async_on_unload(source.async_start())
    entry.runtime_data.people.async_start(entry.runtime_data.scanners.values())
    # Subentries (cameras) and options change what is set up: reload on any change.
    entry.async_on_unload(entry.add_update_listener(async_reload_entry))
    return True


async def async_reload_entry(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> None:
    """Reload a running entry after its options or cameras changed."""
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> bool:
    """Unload the cameras and the usage sensors; save the usage now."""
    platforms_unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    cameras_unloaded = await hass.data[IMAGE_PROCESSING].async_unload_entry(entry)
    await entry.runtime_data.usage.async_stop()
    await entry.runtime_data.people.async_stop()
    await entry.runtime_data.visitors.async_stop()
    return platforms_unloaded and cameras_unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Delete a person's device from the UI: the person leaves the watched groups, their kept crops go.

    A device only would come back at the next read of the face set, so deleting
    it deletes what makes it (README, "Deleting a person"). The app's and the
    cameras' devices go with the entry and its cameras, not here.
    """
    if (uid := device_person_uid(entry.entry_id, device.identifiers)) is None:
        return False
    if entry.state is not ConfigEntryState.LOADED:
        # Deleting them takes a call to Baidu, which only a running entry makes.
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="delete_person_not_loaded")
    try:
        await entry.runtime_data.people.async_delete(uid)
    except BaiduFaceError as err:
        raise ha_error(err, "delete_user", sorted(entry.runtime_data.people.watched_groups or ())) from err
    await entry.runtime_data.faces.async_forget_person(uid)
    return True


async def async_remove_entry(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> None:
    """Forget the entry's saved usage, the faces it kept, its people and its visitors (in the face set too)."""
    # The entry is unloaded: a client of its own deletes the visitors' group.
    await async_forget_visitors(hass, entry.entry_id, create_client(hass, dict(entry.data), dict(entry.options)))
    await async_forget_usage(hass, entry.entry_id)
    await async_forget_faces(hass, entry.entry_id)
    await async_forget_people(hass, entry.entry_id)
