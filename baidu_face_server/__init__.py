"""A local server that speaks Baidu's AI Face API (V2 and V3) with offline recognition."""

from __future__ import annotations

from .gateway import App
from .server import FaceServer, running_server

__all__ = ["App", "FaceServer", "running_server"]
