"""Short-lived access tokens in a Home Assistant the demo starts, for the demo's token test only.

Python imports `sitecustomize` at start-up from the first folder on its path that has one. The
token test puts this folder on the PYTHONPATH of the demo it starts, which hands its
environment on to Home Assistant; there, SHORT_TOKEN_SECONDS becomes the lifetime of every
refresh token made without a lifetime of its own (a login's), so every access token Home
Assistant issues for it expires that soon, and Home Assistant itself refuses it after that.
Home Assistant has no setting for this: `ACCESS_TOKEN_EXPIRATION` is bound as a default
argument when `homeassistant.auth` is imported, so changing the constant afterwards does nothing.
"""

import os
import sys
from pathlib import Path

if (seconds := os.environ.get("SHORT_TOKEN_SECONDS")) and Path(sys.argv[0]).name == "hass":
    from datetime import timedelta
    from typing import Any

    from homeassistant.auth import AuthManager
    from homeassistant.auth.models import RefreshToken

    create = AuthManager.async_create_refresh_token
    lifetime = timedelta(seconds=float(seconds))

    async def short_lived(self: AuthManager, *args: Any, **kwargs: Any) -> RefreshToken:
        kwargs.setdefault("access_token_expiration", lifetime)
        return await create(self, *args, **kwargs)

    AuthManager.async_create_refresh_token = short_lived  # type: ignore[method-assign]
