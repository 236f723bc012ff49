"""Names shared by the Baidu Face integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "baidu_face"

CONF_API_KEY: Final = "api_key"
CONF_SECRET_KEY: Final = "secret_key"  # noqa: S105 - a field name
CONF_API_VERSION: Final = "api_version"
# The client calls it base_url (runtime.create_client maps it, once). Entries keep the key:
# renaming a stored key takes a major entry version, which Home Assistant cannot downgrade.
CONF_ENDPOINT: Final = "endpoint"

# Options
CONF_QPS: Final = "qps"
# Baidu's plan sets the calls a second and the monthly quota (usage.PLANS);
# the budgets are the user's own caps, each applied to every API separately.
CONF_PLAN: Final = "plan"
CONF_MONTHLY_BUDGET: Final = "monthly_budget"
CONF_DAILY_BUDGET: Final = "daily_budget"
PLAN_FREE_PERSONAL: Final = "free_personal"
PLAN_FREE_ENTERPRISE: Final = "free_enterprise"
PLAN_PAID: Final = "paid"
CONF_GROUPS: Final = "groups"
CONF_THRESHOLD: Final = "threshold"
CONF_MAX_FACES: Final = "max_faces"
CONF_ATTRIBUTES: Final = "attributes"
# Faces kept from the cameras (kept_faces.FaceStore): at most this many of each kind, for this many days.
CONF_KEPT_FACES: Final = "kept_faces"
CONF_KEPT_DAYS: Final = "kept_days"
# Strangers remembered as visitors (visitors.Visitors): at most this many, none unseen for longer than this many days.
CONF_MAX_VISITORS: Final = "max_visitors"
CONF_VISITOR_DAYS: Final = "visitor_days"
# A person is "seen recently" for this long after a recognition (people.py).
CONF_SEEN_TIMEOUT: Final = "seen_timeout"
# A person's tracker is home for this many minutes after a recognition, then not_home (device_tracker.py).
CONF_AWAY_AFTER: Final = "away_after"

# Camera subentries
SUBENTRY_CAMERA: Final = "camera"
CONF_CAMERA: Final = "camera_entity_id"
CONF_MODE: Final = "mode"
CONF_SCAN_INTERVAL: Final = "scan_interval"
MODE_DETECT: Final = "detect"
MODE_IDENTIFY: Final = "identify"
# What starts a visit, and how a visit scans (recognition.CameraScanner).
CONF_TRIGGERS: Final = "triggers"
CONF_BURST_FRAMES: Final = "burst_frames"
CONF_BURST_INTERVAL: Final = "burst_interval"
CONF_CHANGE_THRESHOLD: Final = "change_threshold"
CONF_COOLDOWN: Final = "cooldown"
# How a camera decides (decisions.py): frames that must name a person, and the levels its scans ask of a face.
CONF_FRAMES_TO_CONFIRM: Final = "frames_to_confirm"
CONF_LIVENESS: Final = "liveness"
CONF_QUALITY: Final = "quality"
# A form-only switch: on save it sets DOOR_PRESET's values (it is not stored).
CONF_DOOR_PRESET: Final = "door_preset"


def camera_unique_id(camera_entity_id: str, mode: str) -> str:
    """Return a camera subentry's unique id: one subentry per camera and mode."""
    return f"{camera_entity_id}_{mode}"


# The client's defaults (base URL, QPS, threshold) and limits live in api.limits.
DEFAULT_MAX_FACES: Final = 1
# Scans run only when asked (image_processing.scan): the free tier has 1,000 calls a month.
DEFAULT_SCAN_INTERVAL: Final = 0
DEFAULT_BURST_FRAMES: Final = 5
DEFAULT_BURST_INTERVAL: Final = 1.0  # seconds between a burst's frames
# Percent of the picture that must change before a frame is sent again (0: send every frame).
DEFAULT_CHANGE_THRESHOLD: Final = 1.0
DEFAULT_COOLDOWN: Final = 60  # seconds before the same person is announced again on a camera
# One frame names a person: the behaviour (and cost) of cameras set up before frames to confirm existed.
DEFAULT_FRAMES_TO_CONFIRM: Final = 1
# Seconds before the frame that may confirm a person named in the last one: a new picture
# (cameras refresh their snapshot several times a second), not a whole burst_interval, so
# two frames still announce within about two seconds of the trigger.
CONFIRM_DELAY: Final = 0.3
# Frames that must agree nobody known is there before a visit announces a stranger and ends
# (at least the camera's frames to confirm): not the whole burst, yet two looks a burst interval
# apart, so someone who turns to the camera in the second is named, not announced as a stranger.
UNKNOWN_FRAMES_TO_CONFIRM: Final = 2
# Points (0-100) within which a face's two best candidates, different people, are a tie:
# such a face names nobody (Frigate's face recognition rejects near ties too). dlib's highest
# score between two different people on held-out photos is 78.1, two points under 80.
TIE_MARGIN: Final = 2.0
# The door preset: two frames must agree, Baidu judges liveness and quality (see docs/configuration.md).
DOOR_PRESET: Final = {CONF_FRAMES_TO_CONFIRM: 2, CONF_LIVENESS: "normal", CONF_QUALITY: "normal"}

DEFAULT_KEPT_FACES: Final = 50
DEFAULT_KEPT_DAYS: Final = 7
DEFAULT_SEEN_TIMEOUT: Final = 300  # seconds
DEFAULT_MAX_VISITORS: Final = 100
DEFAULT_VISITOR_DAYS: Final = 30
DEFAULT_AWAY_AFTER: Final = 60  # minutes; why this rule and this default: device_tracker.py

EVENT_RECOGNIZED: Final = "baidu_face_recognized"
EVENT_UNKNOWN_FACE: Final = "baidu_face_unknown_face"
# A visit that saw a face but could not decide who (decisions.py): neither a recognition nor a stranger.
EVENT_UNCERTAIN: Final = "baidu_face_uncertain"
# Diagnostics keep this many decisions per camera.
KEPT_DECISIONS: Final = 20

# A camera's frames: its live picture, or Frigate's person events and snapshots (frigate_source.py).
CONF_SOURCE: Final = "source"
SOURCE_CAMERA: Final = "camera"
SOURCE_FRIGATE: Final = "frigate"
CONF_FRIGATE_URL: Final = "frigate_url"
CONF_FRIGATE_USERNAME: Final = "frigate_username"
CONF_FRIGATE_PASSWORD: Final = "frigate_password"  # noqa: S105 - a field name
CONF_FRIGATE_VERIFY_SSL: Final = "frigate_verify_ssl"
CONF_FRIGATE_CAMERA: Final = "frigate_camera"
CONF_FRIGATE_ZONES: Final = "frigate_zones"
# Write a recognized name back as the event's sub_label (opt-in), and who wins when Frigate named it too.
CONF_FRIGATE_SUB_LABEL: Final = "frigate_sub_label"
CONF_FRIGATE_SUB_LABEL_POLICY: Final = "frigate_sub_label_policy"
# Frigate's MQTT topic prefix, read from its config when the camera is set up (FrigateClient.config).
CONF_FRIGATE_TOPIC_PREFIX: Final = "frigate_topic_prefix"
# The Frigate events a camera follows at once: an event whose end never comes (a lost MQTT
# message, Frigate restarted) is forgotten, the least recently heard first, not kept for ever.
FOLLOWED_EVENTS: Final = 20
