"""A real MQTT broker: Debian's mosquitto on a loopback port, nothing kept on disk.

The Frigate tests run one per test on a free port; the demo runs one for its Frigate camera
(its own process, supervised as the demo's others are):

    with running_mosquitto(tmp_path) as broker:
        ...  # connect to 127.0.0.1:broker.port

`.ci/run` installs the `mosquitto` package where it is missing (`scripts/setup` does not: it needs root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Where Debian puts it: not on an ordinary user's PATH.
MOSQUITTO = "/usr/sbin/mosquitto"
STARTUP_SECONDS = 10.0


@dataclass(frozen=True)
class Broker:
    """A running broker: anonymous clients on 127.0.0.1:`port`."""

    port: int
    log: Path

    def log_text(self) -> str:
        """Return what the broker logged so far (for a failing test's message)."""
        return self.log.read_text(errors="replace")


def mosquitto_binary() -> str | None:
    """Return the mosquitto program: $MOSQUITTO if set (a path, or empty for none), else on PATH or in /usr/sbin."""
    if (chosen := os.environ.get("MOSQUITTO")) is not None:
        return chosen if chosen and os.access(chosen, os.X_OK) else None
    return shutil.which("mosquitto") or (MOSQUITTO if os.access(MOSQUITTO, os.X_OK) else None)


def mosquitto_config(port: int, *, log_everything: bool = True) -> str:
    """Return a broker's config: anonymous clients on 127.0.0.1:`port`, nothing kept, its log on stderr.

    No persistence and no retained state between runs: every broker starts empty. Logging
    everything lets a test see subscriptions arrive; otherwise only what goes wrong is logged.
    """
    logged = "log_type all\n" if log_everything else "log_type error\nlog_type warning\n"
    return f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n{logged}"


def accepts(port: int) -> bool:
    """Return whether something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mosquitto(directory: Path) -> Iterator[Broker]:
    """Run mosquitto with a config of its own in `directory` until the block ends (then stop it)."""
    binary = mosquitto_binary() or MOSQUITTO
    port = free_port()
    config = directory / "mosquitto.conf"
    log = directory / "mosquitto.log"
    config.write_text(mosquitto_config(port))
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - the mosquitto program with our own config
            [binary, "-c", str(config)], stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start on port {port}:\n{log.read_text(errors='replace')}")
            time.sleep(0.02)
        yield Broker(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
