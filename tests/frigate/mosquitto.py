"""A real MQTT broker for the tests: Debian's mosquitto on a free loopback port, nothing kept on disk.

    with running_mosquitto(tmp_path) as broker:
        ...  # connect to 127.0.0.1:broker.port

`.ci/run` installs the `mosquitto` package where it is missing (`scripts/setup` does not: it needs root).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def running_mosquitto(directory: Path) -> Iterator[Broker]:
    """Run mosquitto with a config of its own in `directory` until the block ends (then stop it)."""
    binary = shutil.which("mosquitto") or MOSQUITTO
    port = _free_port()
    config = directory / "mosquitto.conf"
    log = directory / "mosquitto.log"
    # No persistence and no retained state between tests: every broker starts empty.
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type all\n"
    )
    with log.open("wb") as log_file:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _accepts(port):
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
