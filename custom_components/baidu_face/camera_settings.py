"""One camera's settings: its subentry's, the entry's options filling the gaps."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry, ConfigSubentry

from .api import DEFAULT_THRESHOLD, ControlLevel
from .const import (
    CONF_ATTRIBUTES,
    CONF_BURST_FRAMES,
    CONF_BURST_INTERVAL,
    CONF_CAMERA,
    CONF_CHANGE_THRESHOLD,
    CONF_COOLDOWN,
    CONF_FRAMES_TO_CONFIRM,
    CONF_GROUPS,
    CONF_LIVENESS,
    CONF_MAX_FACES,
    CONF_MODE,
    CONF_QUALITY,
    CONF_SCAN_INTERVAL,
    CONF_THRESHOLD,
    CONF_TRIGGERS,
    DEFAULT_BURST_FRAMES,
    DEFAULT_BURST_INTERVAL,
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_COOLDOWN,
    DEFAULT_FRAMES_TO_CONFIRM,
    DEFAULT_MAX_FACES,
    MODE_IDENTIFY,
)


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """One camera's settings: its subentry's, the entry's options filling the gaps."""

    camera: str
    mode: str
    groups: tuple[str, ...]
    threshold: float
    max_faces: int
    attributes: tuple[str, ...]
    interval: int
    triggers: tuple[str, ...]
    burst_frames: int
    burst_interval: float
    change_threshold: float
    cooldown: float
    # A person is announced once this many frames of a visit name them (decisions.py).
    frames_to_confirm: int = DEFAULT_FRAMES_TO_CONFIRM
    # What the scans ask Baidu to judge of each face (identify mode).
    liveness: ControlLevel = ControlLevel.NONE
    quality: ControlLevel = ControlLevel.NONE

    @classmethod
    def of(cls, entry: ConfigEntry, subentry: ConfigSubentry) -> CameraSettings:
        """Read a camera subentry's settings."""
        settings = {**entry.options, **subentry.data}
        return cls(
            camera=settings[CONF_CAMERA],
            mode=settings[CONF_MODE],
            groups=tuple(settings.get(CONF_GROUPS) or ()),
            threshold=float(settings.get(CONF_THRESHOLD, DEFAULT_THRESHOLD)),
            max_faces=int(settings.get(CONF_MAX_FACES, DEFAULT_MAX_FACES)),
            attributes=tuple(entry.options.get(CONF_ATTRIBUTES, ())),
            interval=int(settings.get(CONF_SCAN_INTERVAL, 0)),
            triggers=tuple(settings.get(CONF_TRIGGERS) or ()),
            burst_frames=max(1, int(settings.get(CONF_BURST_FRAMES, DEFAULT_BURST_FRAMES))),
            burst_interval=float(settings.get(CONF_BURST_INTERVAL, DEFAULT_BURST_INTERVAL)),
            change_threshold=float(settings.get(CONF_CHANGE_THRESHOLD, DEFAULT_CHANGE_THRESHOLD)),
            cooldown=float(settings.get(CONF_COOLDOWN, DEFAULT_COOLDOWN)),
            frames_to_confirm=max(1, int(settings.get(CONF_FRAMES_TO_CONFIRM, DEFAULT_FRAMES_TO_CONFIRM))),
            liveness=ControlLevel(settings.get(CONF_LIVENESS, ControlLevel.NONE)),
            quality=ControlLevel(settings.get(CONF_QUALITY, ControlLevel.NONE)),
        )

    @property
    def identify(self) -> bool:
        """Whether the camera names people (otherwise it only detects faces)."""
        return self.mode == MODE_IDENTIFY
