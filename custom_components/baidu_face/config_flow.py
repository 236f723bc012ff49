"""Set up Baidu Face in the UI: credentials, options, and one subentry per camera."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from yarl import URL

from .api import (
    DEFAULT_BASE_URL,
    DEFAULT_THRESHOLD,
    MAX_FACES,
    ApiVersion,
    BaiduFaceAuthenticationError,
    BaiduFaceClient,
    BaiduFaceError,
    BaiduFacePermissionError,
    ControlLevel,
    is_baidu_cloud,
)
from .const import (
    CONF_API_KEY,
    CONF_API_VERSION,
    CONF_ATTRIBUTES,
    CONF_AWAY_AFTER,
    CONF_BURST_FRAMES,
    CONF_BURST_INTERVAL,
    CONF_CAMERA,
    CONF_CHANGE_THRESHOLD,
    CONF_COOLDOWN,
    CONF_DAILY_BUDGET,
    CONF_DOOR_PRESET,
    CONF_ENDPOINT,
    CONF_FRAMES_TO_CONFIRM,
    CONF_FRIGATE_PASSWORD,
    CONF_GROUPS,
    CONF_KEPT_DAYS,
    CONF_KEPT_FACES,
    CONF_LIVENESS,
    CONF_MAX_FACES,
    CONF_MAX_VISITORS,
    CONF_MODE,
    CONF_MONTHLY_BUDGET,
    CONF_PLAN,
    CONF_QPS,
    CONF_QUALITY,
    CONF_SCAN_INTERVAL,
    CONF_SECRET_KEY,
    CONF_SEEN_TIMEOUT,
    CONF_SOURCE,
    CONF_THRESHOLD,
    CONF_TRIGGERS,
    CONF_VISITOR_DAYS,
    DEFAULT_AWAY_AFTER,
    DEFAULT_BURST_FRAMES,
    DEFAULT_BURST_INTERVAL,
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_COOLDOWN,
    DEFAULT_FRAMES_TO_CONFIRM,
    DEFAULT_KEPT_DAYS,
    DEFAULT_KEPT_FACES,
    DEFAULT_MAX_FACES,
    DEFAULT_MAX_VISITORS,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SEEN_TIMEOUT,
    DEFAULT_VISITOR_DAYS,
    DOMAIN,
    DOOR_PRESET,
    MODE_DETECT,
    MODE_IDENTIFY,
    SOURCE_CAMERA,
    SOURCE_FRIGATE,
    SUBENTRY_CAMERA,
    camera_unique_id,
)
from .frigate_flow import FRIGATE_FIELDS, frigate_defaults, frigate_schema, validate_frigate, with_known_password
from .runtime import BaiduFaceConfigEntry, create_client
from .usage import DEFAULT_PLAN, PLANS, visit_cost

_SECRET = selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD))
_VERSION = selector.SelectSelector(
    selector.SelectSelectorConfig(options=[v.value for v in ApiVersion], translation_key=CONF_API_VERSION)
)
# The levels' translations are the actions' (services.yaml's `level` selector).
_LEVEL_TRANSLATIONS = "level"
_LEVEL = selector.SelectSelector(
    selector.SelectSelectorConfig(options=[level.value for level in ControlLevel], translation_key=_LEVEL_TRANSLATIONS)
)
_URL = selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.URL))
_THRESHOLD = selector.NumberSelector(selector.NumberSelectorConfig(min=0, max=100, step=1))
_TRIGGERS = selector.EntitySelector(selector.EntitySelectorConfig(multiple=True))
_MAX_FACES = selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=MAX_FACES, step=1))
_PLAN = selector.SelectSelector(selector.SelectSelectorConfig(options=list(PLANS), translation_key=CONF_PLAN))
_QPS = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=50, step=1, mode=selector.NumberSelectorMode.BOX)
)
_BUDGET = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=100_000_000, step=1, mode=selector.NumberSelectorMode.BOX)
)
_SEEN_TIMEOUT = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=10, max=86_400, step=1, unit_of_measurement="s", mode=selector.NumberSelectorMode.BOX
    )
)
# A week at most: a camera-only home may want "home" to last a long weekend between sightings.
_AWAY_AFTER = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=5, max=10_080, step=1, unit_of_measurement="min", mode=selector.NumberSelectorMode.BOX
    )
)
# Left empty, these follow the plan: its calls a second, its monthly quota, no daily cap.
_KEPT_FACES = selector.NumberSelector(
    selector.NumberSelectorConfig(min=0, max=1000, step=1, mode=selector.NumberSelectorMode.BOX)
)
_KEPT_DAYS = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=365, step=1, unit_of_measurement="d", mode=selector.NumberSelectorMode.BOX)
)
_WHOLE_OPTIONS = (
    CONF_QPS,
    CONF_MONTHLY_BUDGET,
    CONF_DAILY_BUDGET,
    CONF_MAX_FACES,
    CONF_KEPT_FACES,
    CONF_KEPT_DAYS,
    CONF_MAX_VISITORS,
    CONF_VISITOR_DAYS,
    CONF_SEEN_TIMEOUT,
    CONF_AWAY_AFTER,
)


def _groups_selector(groups: list[str]) -> selector.SelectSelector:
    # custom_value: a group that does not exist yet is made on first registration.
    return selector.SelectSelector(selector.SelectSelectorConfig(options=groups, multiple=True, custom_value=True))


async def _validate(hass: HomeAssistant, data: Mapping[str, Any]) -> tuple[dict[str, str], ApiVersion | None]:
    """Prove the keys and endpoint with real calls; return form errors or the API version."""
    endpoint = URL(str(data.get(CONF_ENDPOINT) or DEFAULT_BASE_URL))
    if endpoint.scheme not in ("http", "https") or not endpoint.host:
        return {CONF_ENDPOINT: "invalid_endpoint"}, None
    client = create_client(hass, dict(data))
    try:
        await client.authenticate()
        return {}, await client.resolve_api_version()
    except BaiduFaceAuthenticationError:
        return {"base": "invalid_auth"}, None
    except BaiduFacePermissionError:
        return {"base": "no_permission"}, None
    except BaiduFaceError:
        return {"base": "cannot_connect"}, None


def _title(data: Mapping[str, Any]) -> str:
    endpoint = URL(str(data.get(CONF_ENDPOINT) or DEFAULT_BASE_URL))
    if str(endpoint).rstrip("/") == DEFAULT_BASE_URL:
        return "Baidu Face"
    return f"Baidu Face ({endpoint.host}:{endpoint.port})"


class BaiduFaceConfigFlow(ConfigFlow, domain=DOMAIN):
    """Connect a Baidu app (or the local server): keys, API version and endpoint, proven by real calls."""

    VERSION = 1

    @override
    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> BaiduFaceOptionsFlow:
        """Return the options flow."""
        return BaiduFaceOptionsFlow()

    @override
    @classmethod
    @callback
    def async_get_supported_subentry_types(cls, config_entry: ConfigEntry) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry types: one camera each."""
        return {SUBENTRY_CAMERA: CameraSubentryFlow}

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the keys and endpoint; create the entry once they work."""
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input[CONF_API_KEY] = user_input[CONF_API_KEY].strip()
            await self.async_set_unique_id(user_input[CONF_API_KEY])
            self._abort_if_unique_id_configured()
            errors, _ = await _validate(self.hass, user_input)
            if not errors:
                return self.async_create_entry(title=_title(user_input), data=user_input)
        schema = vol.Schema(
            {
                vol.Required(CONF_API_KEY): str,
                vol.Required(CONF_SECRET_KEY): _SECRET,
                vol.Required(CONF_API_VERSION, default=ApiVersion.AUTO.value): _VERSION,
                vol.Required(CONF_ENDPOINT, default=DEFAULT_BASE_URL): _URL,
            }
        )
        return self.async_show_form(
            step_id="user", data_schema=self.add_suggested_values_to_schema(schema, user_input), errors=errors
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication: Baidu refused the keys."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the current secret key and prove it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_SECRET_KEY: user_input[CONF_SECRET_KEY]}
            errors, _ = await _validate(self.hass, data)
            if not errors:
                return self._update_and_reload(entry, data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_SECRET_KEY): _SECRET}),
            description_placeholders={"api_key": entry.data[CONF_API_KEY]},
            errors=errors,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the API version or endpoint, proven like the first set-up."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            errors, _ = await _validate(self.hass, data)
            if not errors:
                return self._update_and_reload(entry, data, title=_title(data))
        schema = vol.Schema({vol.Required(CONF_API_VERSION): _VERSION, vol.Required(CONF_ENDPOINT): _URL})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or entry.data),
            errors=errors,
        )

    def _update_and_reload(self, entry: ConfigEntry, data: dict[str, Any], **changes: Any) -> ConfigFlowResult:
        # A loaded entry reloads through its update listener (which starts at once,
        # so look first); one that failed to set up (e.g. refused keys) has none.
        has_listener = entry.state is ConfigEntryState.LOADED
        result = self.async_update_and_abort(entry, data=data, **changes)
        if not has_listener:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return result


async def _known_groups(entry: ConfigEntry) -> tuple[list[str], dict[str, str]]:
    """Return the app's groups to pick from (one API call), or an error for the form."""
    try:
        return await entry.runtime_data.client.list_groups(), {}
    except BaiduFaceError:
        return [], {"base": "cannot_list_groups"}


class BaiduFaceOptionsFlow(OptionsFlow):
    """The entry's options: plan, rate, budgets, groups, threshold, faces per frame, attributes, kept faces."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, offering the app's groups and the attributes its API version returns."""
        entry: BaiduFaceConfigEntry = self.config_entry
        if user_input is not None:
            # The selectors give floats; the client and the budgets count whole calls.
            whole = {key: int(user_input[key]) for key in _WHOLE_OPTIONS if user_input.get(key) is not None}
            return self.async_create_entry(data={**user_input, **whole})
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        groups, errors = await _known_groups(entry)
        client: BaiduFaceClient = entry.runtime_data.client
        attributes = sorted(client.capabilities.attributes)
        schema = vol.Schema(
            {
                vol.Required(CONF_PLAN, default=DEFAULT_PLAN): _PLAN,
                vol.Optional(CONF_QPS): _QPS,
                vol.Optional(CONF_MONTHLY_BUDGET): _BUDGET,
                vol.Optional(CONF_DAILY_BUDGET): _BUDGET,
                vol.Optional(CONF_GROUPS, default=[]): _groups_selector(groups),
                vol.Required(CONF_THRESHOLD, default=DEFAULT_THRESHOLD): _THRESHOLD,
                vol.Required(CONF_MAX_FACES, default=DEFAULT_MAX_FACES): _MAX_FACES,
                vol.Optional(CONF_ATTRIBUTES, default=[]): selector.SelectSelector(
                    selector.SelectSelectorConfig(options=attributes, multiple=True, translation_key=CONF_ATTRIBUTES)
                ),
                vol.Required(CONF_KEPT_FACES, default=DEFAULT_KEPT_FACES): _KEPT_FACES,
                vol.Required(CONF_KEPT_DAYS, default=DEFAULT_KEPT_DAYS): _KEPT_DAYS,
                vol.Required(CONF_MAX_VISITORS, default=DEFAULT_MAX_VISITORS): _KEPT_FACES,
                vol.Required(CONF_VISITOR_DAYS, default=DEFAULT_VISITOR_DAYS): _KEPT_DAYS,
                vol.Required(CONF_SEEN_TIMEOUT, default=DEFAULT_SEEN_TIMEOUT): _SEEN_TIMEOUT,
                vol.Required(CONF_AWAY_AFTER, default=DEFAULT_AWAY_AFTER): _AWAY_AFTER,
            }
        )
        return self.async_show_form(
            step_id="init", data_schema=self.add_suggested_values_to_schema(schema, entry.options), errors=errors
        )


class CameraSubentryFlow(ConfigSubentryFlow):
    """A camera to scan: detect faces, or identify them against groups; its frames from the camera or Frigate."""

    _pending: dict[str, Any] | None = None
    _pending_step: str = "user"

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera."""
        return await self._form("user", user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change a camera's settings."""
        return await self._form("reconfigure", user_input)

    async def _form(self, step_id: str, user_input: dict[str, Any] | None) -> SubentryFlowResult:
        entry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        current = self._get_reconfigure_subentry() if step_id == "reconfigure" else None
        # Add camera offers only cameras with a mode left to set up; none left says so at once.
        taken = [] if current is not None else _cameras_taken(entry)
        if taken and not set(self.hass.states.async_entity_ids("camera")) - set(taken):
            return self.async_abort(reason="no_cameras_left")
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _camera_settings(user_input)
            unique_id = camera_unique_id(data[CONF_CAMERA], data[CONF_MODE])
            errors = _camera_errors(entry, current, data, unique_id)
            # The form shows what the preset chose (and why it cannot be saved, on a local server).
            user_input = {key: value for key, value in data.items() if key != CONF_DOOR_PRESET}
            if not errors and data.get(CONF_SOURCE) == SOURCE_FRIGATE:
                # Frigate's URL, camera and zones on a step of their own, proven by a call.
                self._pending, self._pending_step = data, step_id
                return await self.async_step_frigate()
            if not errors:
                data = {key: value for key, value in data.items() if key not in FRIGATE_FIELDS}
                return self._save(step_id, data, unique_id)
        groups, list_errors = await _known_groups(entry)
        suggested = {**_camera_defaults(entry), **(current.data if current else {}), **(user_input or {})}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(_camera_schema(groups, taken), suggested),
            errors=errors or list_errors,
            description_placeholders=_camera_cost(entry.runtime_data.client, suggested),
        )

    async def async_step_frigate(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask where Frigate is (the Frigate integration's entry, where there is one) and which of its cameras."""
        assert self._pending is not None
        errors: dict[str, str] = {}
        current = self._get_reconfigure_subentry().data if self._pending_step == "reconfigure" else {}
        known = {**frigate_defaults(self.hass), **current}
        if user_input is not None:
            frigate, errors = await validate_frigate(self.hass, with_known_password(user_input, known))
            if not errors:
                data = {**self._pending, **frigate}
                return self._save(self._pending_step, data, camera_unique_id(data[CONF_CAMERA], data[CONF_MODE]))
        # A password never goes to the browser: left empty, the one known for the same user is kept.
        suggested = {k: v for k, v in {**known, **(user_input or {})}.items() if k != CONF_FRIGATE_PASSWORD}
        return self.async_show_form(
            step_id="frigate",
            data_schema=self.add_suggested_values_to_schema(frigate_schema(), suggested),
            errors=errors,
        )

    def _save(self, step_id: str, data: dict[str, Any], unique_id: str) -> SubentryFlowResult:
        title = self._title(data)
        if step_id != "reconfigure":
            return self.async_create_entry(title=title, data=data, unique_id=unique_id)
        entry, current = self._get_entry(), self._get_reconfigure_subentry()
        return self.async_update_and_abort(entry, current, data=data, title=title, unique_id=unique_id)

    def _title(self, data: dict[str, Any]) -> str:
        # The device takes this name, and the entity "<name> Recognised person" / "<name> Faces".
        state = self.hass.states.get(data[CONF_CAMERA])
        return state.name if state else data[CONF_CAMERA]


def _camera_settings(user_input: dict[str, Any]) -> dict[str, Any]:
    """Return the form's answers with numbers as the entity uses them (the selectors give floats).

    The door preset, when ticked, sets its values (const.DOOR_PRESET) over the form's.
    """
    preset = DOOR_PRESET if user_input.get(CONF_DOOR_PRESET) else {}
    user_input = {key: value for key, value in user_input.items() if key != CONF_DOOR_PRESET} | preset
    return {
        **user_input,
        CONF_THRESHOLD: float(user_input[CONF_THRESHOLD]),
        CONF_MAX_FACES: int(user_input[CONF_MAX_FACES]),
        CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
        CONF_TRIGGERS: list(user_input.get(CONF_TRIGGERS) or []),
        CONF_BURST_FRAMES: int(user_input[CONF_BURST_FRAMES]),
        CONF_BURST_INTERVAL: float(user_input[CONF_BURST_INTERVAL]),
        CONF_CHANGE_THRESHOLD: float(user_input[CONF_CHANGE_THRESHOLD]),
        CONF_COOLDOWN: int(user_input[CONF_COOLDOWN]),
        CONF_FRAMES_TO_CONFIRM: int(user_input.get(CONF_FRAMES_TO_CONFIRM, DEFAULT_FRAMES_TO_CONFIRM)),
        CONF_LIVENESS: user_input.get(CONF_LIVENESS, ControlLevel.NONE.value),
        CONF_QUALITY: user_input.get(CONF_QUALITY, ControlLevel.NONE.value),
    }


# The day's figure in the form assumes this many visits started by triggers.
TRIGGER_VISITS_A_DAY = 10


def _camera_cost(client: BaiduFaceClient, settings: Mapping[str, Any]) -> dict[str, str]:
    """Return the form's cost figures: a frame, a visit and a day, as the usage sensors count calls."""
    confirm = int(settings.get(CONF_FRAMES_TO_CONFIRM) or DEFAULT_FRAMES_TO_CONFIRM)
    cost = visit_cost(
        v2=client.api_version is ApiVersion.V2,
        identify=settings.get(CONF_MODE, MODE_IDENTIFY) == MODE_IDENTIFY,
        max_faces=int(settings.get(CONF_MAX_FACES) or DEFAULT_MAX_FACES),
        burst_frames=int(settings.get(CONF_BURST_FRAMES) or DEFAULT_BURST_FRAMES),
        interval=int(settings.get(CONF_SCAN_INTERVAL) or 0),
        frames_to_confirm=confirm,
        quality=settings.get(CONF_QUALITY, ControlLevel.NONE.value) != ControlLevel.NONE.value,
    )
    visits = TRIGGER_VISITS_A_DAY if settings.get(CONF_TRIGGERS) else 0
    endpoint = URL(client.base_url)
    return {
        # Where the scans go: the form says liveness needs Baidu's cloud, and shows this endpoint beside it.
        "endpoint": f"{endpoint.host}:{endpoint.port}" if not is_baidu_cloud(client.base_url) else "Baidu",
        "frames_to_confirm": str(confirm),
        # The frames a person the burst's last frame names takes beyond it (scanner.py).
        "confirm_extra": str(confirm - 1),
        "scan_interval": str(int(settings.get(CONF_SCAN_INTERVAL) or 0)),
        "burst_frames": str(int(settings.get(CONF_BURST_FRAMES) or DEFAULT_BURST_FRAMES)),
        "frame_calls": f"{cost.frame:,}",
        "visit_calls": f"{cost.visit:,}",
        "interval_calls": f"{cost.interval_day:,}",
        "trigger_visits": str(visits),
        "day_calls": f"{cost.per_day(visits):,}",
    }


def _camera_errors(
    entry: ConfigEntry, current: ConfigSubentry | None, data: dict[str, Any], unique_id: str
) -> dict[str, str]:
    """Return why these camera settings cannot be saved (nothing when they can)."""
    taken = any(
        s.unique_id == unique_id and (current is None or s.subentry_id != current.subentry_id)
        for s in entry.subentries.values()
    )
    if taken:
        return {"base": "camera_already_configured"}
    if data[CONF_MODE] == MODE_IDENTIFY and not data.get(CONF_GROUPS):
        return {CONF_GROUPS: "groups_required"}
    if data[CONF_FRAMES_TO_CONFIRM] > data[CONF_BURST_FRAMES]:
        return {CONF_FRAMES_TO_CONFIRM: "confirm_exceeds_burst"}
    # Only Baidu's cloud judges liveness: a local server would refuse every scan (a scan problem).
    base_url = entry.runtime_data.client.base_url
    if data[CONF_LIVENESS] != ControlLevel.NONE.value and not is_baidu_cloud(base_url):
        return {CONF_LIVENESS: "liveness_needs_cloud"}
    return {}


def _camera_defaults(entry: ConfigEntry) -> dict[str, Any]:
    """Return a new camera's settings: the entry's options where it has them."""
    return {
        CONF_MODE: MODE_IDENTIFY,
        CONF_GROUPS: entry.options.get(CONF_GROUPS, []),
        CONF_THRESHOLD: entry.options.get(CONF_THRESHOLD, DEFAULT_THRESHOLD),
        CONF_MAX_FACES: entry.options.get(CONF_MAX_FACES, DEFAULT_MAX_FACES),
        CONF_SCAN_INTERVAL: DEFAULT_SCAN_INTERVAL,
    }


def _seconds(low: float, high: float, step: float) -> selector.NumberSelector:
    return selector.NumberSelector(
        selector.NumberSelectorConfig(
            min=low, max=high, step=step, unit_of_measurement="s", mode=selector.NumberSelectorMode.BOX
        )
    )


def _cameras_taken(entry: ConfigEntry) -> list[str]:
    """Return the cameras set up in every mode: Add camera does not offer them."""
    modes: dict[str, set[str]] = {}
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_CAMERA:
            modes.setdefault(subentry.data[CONF_CAMERA], set()).add(subentry.data[CONF_MODE])
    return sorted(camera for camera, set_up in modes.items() if set_up >= {MODE_IDENTIFY, MODE_DETECT})


def _camera_schema(groups: list[str], taken: list[str]) -> vol.Schema:
    """Return the camera form, offering the app's groups and the cameras not yet taken."""
    cameras = selector.EntitySelectorConfig(domain="camera", exclude_entities=taken)
    return vol.Schema(
        {
            vol.Required(CONF_CAMERA): selector.EntitySelector(cameras),
            vol.Required(CONF_MODE): selector.SelectSelector(
                selector.SelectSelectorConfig(options=[MODE_IDENTIFY, MODE_DETECT], translation_key=CONF_MODE)
            ),
            # Frigate: its person events start visits, its snapshots are the frames (frigate_source.py).
            vol.Optional(CONF_SOURCE, default=SOURCE_CAMERA): selector.SelectSelector(
                selector.SelectSelectorConfig(options=[SOURCE_CAMERA, SOURCE_FRIGATE], translation_key=CONF_SOURCE)
            ),
            vol.Optional(CONF_GROUPS): _groups_selector(groups),
            vol.Required(CONF_THRESHOLD): _THRESHOLD,
            vol.Required(CONF_MAX_FACES): _MAX_FACES,
            # Settings newer than a camera's subentry (or a script's flow) take their defaults.
            # Any entity: motion/occupancy sensors, Frigate's person sensors, a doorbell's event.
            vol.Optional(CONF_TRIGGERS, default=[]): _TRIGGERS,
            vol.Required(CONF_BURST_FRAMES, default=DEFAULT_BURST_FRAMES): selector.NumberSelector(
                selector.NumberSelectorConfig(min=1, max=20, step=1, mode=selector.NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_BURST_INTERVAL, default=DEFAULT_BURST_INTERVAL): _seconds(0.2, 10, 0.1),
            vol.Required(CONF_CHANGE_THRESHOLD, default=DEFAULT_CHANGE_THRESHOLD): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=0, max=100, step=0.1, unit_of_measurement="%", mode=selector.NumberSelectorMode.BOX
                )
            ),
            vol.Required(CONF_COOLDOWN, default=DEFAULT_COOLDOWN): _seconds(0, 86400, 1),
            # How the camera decides (decisions.py); the door preset sets all three on save.
            vol.Required(CONF_FRAMES_TO_CONFIRM, default=DEFAULT_FRAMES_TO_CONFIRM): selector.NumberSelector(
                selector.NumberSelectorConfig(min=1, max=20, step=1, mode=selector.NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_LIVENESS, default=ControlLevel.NONE.value): _LEVEL,
            vol.Required(CONF_QUALITY, default=ControlLevel.NONE.value): _LEVEL,
            vol.Optional(CONF_DOOR_PRESET, default=False): selector.BooleanSelector(),
            # 0 = only on a trigger or when image_processing.scan is called.
            vol.Required(CONF_SCAN_INTERVAL): _seconds(0, 86400, 1),
        }
    )
