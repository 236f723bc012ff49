"""The kept faces' crops over HTTP, for signed-in users: notifications, the Media panel and the events link them."""

from __future__ import annotations

from aiohttp import hdrs, web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .const import DOMAIN
from .kept_faces import FaceStore


def image_url(entry_id: str, face_id: str) -> str:
    """Return the (authenticated) URL of a kept face's crop, for notifications and the event."""
    return KeptFaceView.url.format(entry_id=entry_id, face_id=face_id)


class KeptFaceView(HomeAssistantView):
    """Serve a kept face's crop to a signed-in user (notifications, the Media panel, the event)."""

    url = "/api/baidu_face/{entry_id}/faces/{face_id}.jpg"
    name = "api:baidu_face:kept_face"
    requires_auth = True

    async def get(self, request: web.Request, entry_id: str, face_id: str) -> web.Response:
        """Return the crop, or 404 for an entry or face that is not kept."""
        hass = request.app[KEY_HASS]
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            raise web.HTTPNotFound
        store: FaceStore = entry.runtime_data.faces
        try:
            crop = await store.async_read(face_id)
        except KeyError as err:
            raise web.HTTPNotFound from err
        # A crop never changes under its id.
        return web.Response(
            body=crop, content_type="image/jpeg", headers={hdrs.CACHE_CONTROL: "private, max-age=604800"}
        )
