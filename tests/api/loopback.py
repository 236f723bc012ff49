"""A throwaway HTTP server on loopback, for answers the local Baidu server never gives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web


async def odd_server(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> tuple[web.AppRunner, str]:
    """Serve every path with `handler` on a free loopback port; the caller cleans the runner up."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"
