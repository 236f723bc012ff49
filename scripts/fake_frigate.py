"""A small fake of Frigate's HTTP API, written from Frigate's API docs (0.16's behaviour), on loopback.

The Frigate tests (tests/frigate/, tests/integration/test_frigate_source.py) and the demo's
Frigate camera (scripts/demo.py) run it. Frigate itself cannot run there (it needs a detector,
ffmpeg and cameras), so this serves what the integration calls, as Frigate's API documents it:

- `GET /api/version` (text), `GET /api/config` (mqtt.topic_prefix, cameras with their zones
  and face_recognition);
- `GET /api/events/<id>`: the database row (sub_label a bare name, its score in data);
- `GET /api/events/<id>/snapshot.jpg`: while the object is tracked, the event's next photo
  (read from its file at each call) rendered with `height` and `quality` (default 70); once it ended, the saved
  snapshot whatever the parameters, or 404 "Snapshot not available" without `has_snapshot`;
- `POST /api/events/<id>/sub_label`: recorded with its body and user, validated like 0.16
  (`subLabel` a string of at most 100 characters, `0 < subLabelScore <= 1`, 404 for unknown
  ids, the `admin` role on the authenticated port), and applied to the event;
- `POST /api/login` and JWTs (cookie `frigate_token` or `Authorization: Bearer`) when
  `authenticated`, optionally over TLS with a self-signed certificate (the 8971 port);
  unauthenticated, every caller is the admin "anonymous" (the 5000 port).

It leaves out everything else: other endpoints, `bbox`/`timestamp`/`crop` drawing (it has no
boxes: the photo is served whole), MQTT (the tests and the demo publish `FakeEvent.message()`),
custom roles (0.17), the login rate limit and token refresh. `failure` makes every call but
the login slow ("slow": it waits until the fake stops) or fail ("error": HTTP 500); `stop()`
makes it unreachable.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image

from sample_faces import FOLDER

TOKEN_COOKIE = "frigate_token"  # noqa: S105 - a cookie name, Frigate's default
ANONYMOUS = "anonymous"


@dataclass
class FakeEvent:
    """A tracked object the fake Frigate knows; `photos` are its frames, served one per live snapshot."""

    id: str
    camera: str
    photos: list[Path]
    label: str = "person"
    zones: list[str] = field(default_factory=list)
    in_progress: bool = True
    has_snapshot: bool = True
    false_positive: bool = False
    sub_label: tuple[str, float | None] | None = None
    top_score: float = 0.82
    start_time: float = field(default_factory=time.time)
    served: int = 0

    def row(self) -> dict[str, Any]:
        """Return the event as `GET /api/events/<id>` does (a database row)."""
        return {
            "id": self.id,
            "label": self.label,
            "sub_label": self.sub_label[0] if self.sub_label else None,
            "camera": self.camera,
            "start_time": self.start_time,
            "end_time": None if self.in_progress else self.start_time + 5,
            "false_positive": self.false_positive,
            "zones": self.zones,
            "thumbnail": None,
            "has_clip": False,
            "has_snapshot": self.has_snapshot,
            "retain_indefinitely": False,
            "plus_id": None,
            "data": {
                "box": [0.1, 0.1, 0.5, 0.8],
                "region": [0, 0, 1, 1],
                "score": self.top_score,
                "top_score": self.top_score,
                "attributes": [],
                "type": "object",
                "sub_label_score": self.sub_label[1] if self.sub_label else None,
            },
        }

    def tracked(self) -> dict[str, Any]:
        """Return the object as a `frigate/events` message's `after` has it."""
        return {
            "id": self.id,
            "camera": self.camera,
            "frame_time": time.time(),
            "snapshot": None,
            "label": self.label,
            "sub_label": list(self.sub_label) if self.sub_label else None,
            "top_score": self.top_score,
            "false_positive": self.false_positive,
            "start_time": self.start_time,
            "end_time": None if self.in_progress else self.start_time + 5,
            "score": self.top_score,
            "box": [100, 80, 420, 700],
            "area": 198400,
            "ratio": 0.52,
            "region": [0, 0, 720, 720],
            "active": True,
            "stationary": False,
            "motionless_count": 0,
            "position_changes": 1,
            "current_zones": self.zones if self.in_progress else [],
            "entered_zones": self.zones,
            "has_clip": False,
            "has_snapshot": self.has_snapshot,
            "attributes": {},
            "current_attributes": [],
            "thumbnail": None,
        }

    def message(self, kind: str, before: dict[str, Any] | None = None) -> str:
        """Return the `frigate/events` payload Frigate would publish for this object now."""
        after = self.tracked()
        return json.dumps({"type": kind, "before": before or after, "after": after})


@dataclass(frozen=True)
class SubLabelCall:
    """One `POST /api/events/<id>/sub_label` as it arrived, valid or not."""

    event_id: str
    body: object
    user: str
    status: int
    received: float = field(default_factory=time.perf_counter)  # when it arrived (the latency figure)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 (as Frigate's 8971 port has); return (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frigate")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "frigate.crt", directory / "frigate.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _failure(status: int, message: str) -> web.Response:
    return web.json_response({"success": False, "message": message}, status=status)


class FakeFrigate:
    """The fake Frigate on a free loopback port; `async with` starts and stops it."""

    def __init__(
        self,
        *,
        authenticated: bool = False,
        tls_directory: Path | None = None,
        users: dict[str, tuple[str, str]] | None = None,
        cameras: dict[str, list[str]] | None = None,
        face_recognition: frozenset[str] = frozenset(),
        topic_prefix: str = "frigate",
        version: str = "0.16.4-fake",
        port: int = 0,
    ) -> None:
        """Serve `cameras` (name → zones) on 127.0.0.1:`port` (0: a free one); `users` log in when `authenticated`.

        `users` maps a name to its (password, role).
        """
        self.authenticated = authenticated
        self.users = users if users is not None else {"admin": ("correct horse", "admin")}
        self.cameras = cameras if cameras is not None else {"front_door": ["porch"]}
        self.face_recognition = face_recognition
        self.topic_prefix = topic_prefix
        self.version = version
        self.events: dict[str, FakeEvent] = {}
        self.sub_label_calls: list[SubLabelCall] = []
        self.snapshot_requests: list[tuple[str, dict[str, str]]] = []
        self.logins: list[str] = []  # the user of each successful login
        self.unauthorised: int = 0  # calls refused with 401
        self.tokens: list[str] = []  # every token a login gave
        self.accept_tokens = True  # False: every token is refused (a Frigate whose JWT secret keeps changing)
        self.failure: Literal["slow", "error"] | None = None
        self._secret = secrets.token_hex(16)
        self._stopped = asyncio.Event()
        self._tls: ssl.SSLContext | None = None
        if tls_directory is not None:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(*self_signed_certificate(tls_directory))
        self._runner: web.AppRunner | None = None
        self._port = port
        self.url = ""

    async def __aenter__(self) -> FakeFrigate:
        """Start serving."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/api/version", self._version)
        app.router.add_get("/api/config", self._config)
        app.router.add_post("/api/login", self._login)
        app.router.add_get("/api/events/{id}", self._event)
        app.router.add_get("/api/events/{id}/snapshot.jpg", self._snapshot)
        app.router.add_post("/api/events/{id}/sub_label", self._sub_label)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, ssl_context=self._tls)
        await site.start()
        scheme = "https" if self._tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    @property
    def port(self) -> int:
        """Return the port it serves on (once started)."""
        return int(self.url.rsplit(":", 1)[1])

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving."""
        await self.stop()

    async def stop(self) -> None:
        """Stop serving: the port refuses connections from now on, and slow calls end."""
        self._stopped.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_event(self, camera: str = "front_door", *photos: str | Path, **fields: Any) -> FakeEvent:
        """Track a new object on `camera` whose frames are `photos` (paths under sample_faces/, or absolute)."""
        event_id = f"{time.time():.6f}-{secrets.token_hex(3)}"
        event = FakeEvent(event_id, camera, [FOLDER / photo for photo in photos or ("probe/obama.jpg",)], **fields)
        self.events[event_id] = event
        return event

    def expire_tokens(self) -> None:
        """Make every token given so far invalid (as when a session runs out)."""
        self._secret = secrets.token_hex(16)

    def token_for(self, user: str) -> str:
        """Return a token as a login of `user` would (Frigate's claims: sub and role)."""
        role = self.users[user][1]
        return jwt.encode({"sub": user, "role": role, "exp": int(time.time()) + 3600}, self._secret, "HS256")

    def _user(self, request: web.Request) -> tuple[str, str] | None:
        if not self.authenticated:
            return ANONYMOUS, "admin"
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else request.cookies.get(TOKEN_COOKIE)
        if not token or not self.accept_tokens:
            return None
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return None
        return str(claims["sub"]), str(claims["role"])

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/api/login":
            return await handler(request)
        user = self._user(request)
        if user is None:
            self.unauthorised += 1
            return web.Response(status=401, text="Unauthorized")  # nginx's answer on 8971
        request["user"] = user
        if self.failure == "slow":
            await self._stopped.wait()
        if self.failure == "error":
            return web.Response(status=500, text="Internal Server Error")
        return await handler(request)

    async def _version(self, request: web.Request) -> web.Response:
        return web.Response(text=self.version)

    async def _config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "mqtt": {"enabled": True, "host": "mqtt", "topic_prefix": self.topic_prefix, "client_id": "frigate"},
                "auth": {"enabled": self.authenticated, "cookie_name": TOKEN_COOKIE},
                "face_recognition": {"enabled": bool(self.face_recognition), "model_size": "small"},
                "cameras": {
                    name: {
                        "name": name,
                        "enabled": True,
                        "zones": {zone: {"coordinates": "0,0,1,0,1,1,0,1", "objects": []} for zone in zones},
                        "face_recognition": {"enabled": name in self.face_recognition, "min_area": 750},
                        "snapshots": {"enabled": True, "quality": 70},
                    }
                    for name, zones in self.cameras.items()
                },
            }
        )

    async def _login(self, request: web.Request) -> web.Response:
        body = await request.json()
        user, password = body.get("user"), body.get("password")
        if user not in self.users or self.users[user][0] != password:
            return web.json_response({"message": "Login failed"}, status=401)
        self.logins.append(user)
        token = self.token_for(user)
        self.tokens.append(token)
        response = web.json_response({"message": "Login successful"})
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, max_age=86400)
        return response

    async def _event(self, request: web.Request) -> web.Response:
        event = self.events.get(request.match_info["id"])
        if event is None:
            return _failure(404, "Event not found")
        return web.json_response(event.row())

    async def _snapshot(self, request: web.Request) -> web.Response:
        event_id = request.match_info["id"]
        self.snapshot_requests.append((event_id, dict(request.query)))
        event = self.events.get(event_id)
        if event is None:
            return _failure(404, "Event not found")
        if not event.in_progress:
            if not event.has_snapshot:
                return _failure(404, "Snapshot not available")
            # The saved file: whatever the parameters (0.14-0.17).
            return web.Response(body=_jpeg(event.photos[-1], None, 70), content_type="image/jpeg")
        photo = event.photos[min(event.served, len(event.photos) - 1)]
        event.served += 1
        height = request.query.get("height")  # 0.15+ (0.14's `h` is ignored, as FastAPI does)
        quality = int(request.query.get("quality", "70"))
        body = _jpeg(photo, int(height) if height else None, quality)
        return web.Response(body=body, content_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def _sub_label(self, request: web.Request) -> web.Response:
        event_id = request.match_info["id"]
        user, role = request["user"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        response = self._set_sub_label(event_id, body, role)
        self.sub_label_calls.append(SubLabelCall(event_id, body, user, response.status))
        return response

    def _set_sub_label(self, event_id: str, body: object, role: str) -> web.Response:
        if role != "admin":
            return web.json_response({"message": f"Role {role} not authorized"}, status=403)
        name = body.get("subLabel") if isinstance(body, dict) else None
        score = body.get("subLabelScore") if isinstance(body, dict) else None
        if not isinstance(name, str):
            return web.json_response({"detail": [{"loc": ["body", "subLabel"], "msg": "Field required"}]}, status=422)
        if score is not None and (not isinstance(score, int | float) or not 0 < score <= 1):
            detail = [{"loc": ["body", "subLabelScore"], "msg": "Input should be greater than 0 and at most 1"}]
            return web.json_response({"detail": detail}, status=422)
        if len(name) > 100:
            return _failure(400, f"{name} exceeds the 100 character limit for sub_label")
        event = self.events.get(event_id)
        if event is None:
            return _failure(404, f"Event {event_id} not found")
        event.sub_label = (name, float(score) if score is not None else None) if name else None
        return web.json_response({"success": True, "message": f"Event {event_id} sub label set to {name}"})


def _jpeg(photo: Path, height: int | None, quality: int) -> bytes:
    with Image.open(photo) as opened:
        picture = opened.convert("RGB")
    if height is not None:
        picture = picture.resize((max(1, picture.width * height // picture.height), height))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()
