"""Run the demo for hours as a person would, and print what a long run costs.

    python -m scripts.demo_soak [--hours 2] [--sample-minutes 10] [--port 8601] [--baidu-port 8602] [--state DIR]

Starts `scripts.demo` as a process on a fresh state directory (its ports, loopback only),
logs in as the demo's owner, counts the recognitions and unknown faces Home Assistant fires,
and every sample prints the resident memory of the demo and of each process it started, the
state directory's size, and the calls the usage sensors counted. At the end it stops the demo
with SIGTERM (as Ctrl-C would) and prints one line per hour and every line at WARNING or above
in the logs, counted by message. It stops by itself after --hours.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from custom_components.baidu_face.const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from scripts import door_latency
from scripts.demo import DEMO_PASSWORD, DEMO_USER, ROOT, USAGE_SENSORS
from scripts.hass_driver import HassClient, HassError, HassUnavailable

# A line of a log at WARNING or above: Home Assistant's format, and the local server's.
NOISE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")
# What makes two log lines the same message: their text without times, numbers and addresses.
VARYING = re.compile(r"^\S+ \S+ |\b0x[0-9a-f]+\b|\d+(\.\d+)?")
READY_SECONDS = 600


@dataclass
class Sample:
    """What the soak measured at one moment of the run."""

    hours: float
    memory_mb: dict[str, float]
    state_mb: float
    recognitions: int
    unknown_faces: int
    calls_today: str
    visitors: str  # the Visitors sensor: strangers remembered
    kept_mb: float  # the integration's kept crops (people's and visitors' faces)
    face_set_mb: float  # the local server's face set (its database)


@dataclass
class Soak:
    """The demo under measurement: its process, what it printed, the sightings counted so far."""

    process: asyncio.subprocess.Process
    state: Path
    lines: list[str] = field(default_factory=list)
    fired: collections.Counter[str] = field(default_factory=collections.Counter)  # by event type

    async def read(self) -> None:
        """Keep what the demo prints, and echo it."""
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace"))
            print(f"  | {self.lines[-1]}", end="", flush=True)

    def pids(self) -> dict[str, int]:
        """Return the demo's own pid and the latest pid of each process it started (a restart starts a new one)."""
        started = re.finditer(r"started (\w+) \(pid (\d+)", "".join(self.lines))
        return {"demo": self.process.pid} | {match[1]: int(match[2]) for match in started}

    async def count_sightings(self, hass: HassClient) -> None:
        """Count every recognition and unknown face, through Home Assistant's restarts, until cancelled."""
        while True:
            with contextlib.suppress(HassUnavailable):
                async for event in hass.events(EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE):
                    self.fired[event["event_type"]] += 1
            await asyncio.sleep(1)
            await hass.wait_until_up(900, lambda: None)


def resident_mb(pid: int) -> float:
    """Return a process's resident memory (VmRSS) in MB, 0 if it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def size_mb(paths: Iterable[Path]) -> float:
    """Return what the files among `paths` take on disk, in MB."""
    return sum(path.stat().st_blocks * 512 for path in paths if path.is_file()) / 1e6


def noise(state: Path) -> collections.Counter[str]:
    """Every line at WARNING or above in the demo's logs, counted by message (numbers and times left out)."""
    counted: collections.Counter[str] = collections.Counter()
    for log in sorted([*state.glob("*.log"), *(state / "ha").glob("home-assistant.log*")]):
        for line in log.read_text(errors="replace").splitlines():
            if NOISE.search(line):
                counted[f"{log.name}: {VARYING.sub('#', line)[:200]}"] += 1
    return counted


async def sample(soak: Soak, hass: HassClient, started: float) -> Sample:
    """Measure the run now."""
    calls = await _state(hass, USAGE_SENSORS["calls_today"])
    visitors = await _visitors(hass)
    memory = {name: resident_mb(pid) for name, pid in soak.pids().items()}
    hours = (time.monotonic() - started) / 3600
    state_mb = await asyncio.to_thread(size_mb, soak.state.rglob("*"))
    kept_mb = await asyncio.to_thread(size_mb, (soak.state / "ha" / DOMAIN).rglob("*"))
    face_set_mb = await asyncio.to_thread(size_mb, soak.state.glob("faces.sqlite3*"))
    fired = soak.fired
    return Sample(
        hours, memory, state_mb, fired[EVENT_RECOGNIZED], fired[EVENT_UNKNOWN_FACE], calls, visitors,
        kept_mb, face_set_mb,
    )  # fmt: skip


async def _visitors(hass: HassClient) -> str:
    """Return the entry's Visitors sensor's state (the demo leaves it the name Home Assistant gave it)."""
    try:
        states = await hass.call("GET", "/api/states")
    except HassError as err:
        return f"({err})"
    found = [s["state"] for s in states if re.fullmatch(r"sensor\.baidu_face_\w*visitors", s["entity_id"])]
    return found[0] if found else "(no Visitors sensor)"


async def _state(hass: HassClient, entity_id: str) -> str:
    try:
        return str((await hass.state(entity_id))["state"])
    except HassError as err:
        return f"({err})"


def say(measured: Sample) -> None:
    """Print one sample."""
    memory = ", ".join(f"{name} {mb:.0f} MB" for name, mb in measured.memory_mb.items())
    print(
        f"[soak] {measured.hours:5.2f} h: {measured.recognitions} recognitions, {measured.unknown_faces} unknown"
        f" faces; resident {memory};"
        f" state {measured.state_mb:.1f} MB (kept crops {measured.kept_mb:.1f} MB,"
        f" face set {measured.face_set_mb:.1f} MB);"
        f" calls today {measured.calls_today}; visitors {measured.visitors}",
        flush=True,
    )


async def soak(args: argparse.Namespace) -> int:
    """Run the demo for --hours; print the figures; the exit code (1 if the demo stopped by itself)."""
    if args.state.exists():
        shutil.rmtree(args.state)
    command = [sys.executable, "-m", "scripts.demo", "--state", str(args.state)]
    command += ["--port", str(args.port), "--baidu-port", str(args.baidu_port)]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    run = Soak(process, args.state)
    reader = asyncio.create_task(run.read())
    samples: list[Sample] = []
    try:
        async with asyncio.timeout(READY_SECONDS):
            while not any("] ready " in line for line in run.lines):
                if process.returncode is not None:
                    return 1
                await asyncio.sleep(0.5)
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            hass = HassClient(session, f"http://127.0.0.1:{args.port}")
            await hass.log_in(DEMO_USER, DEMO_PASSWORD)
            counter = asyncio.create_task(run.count_sightings(hass))
            end = started + args.hours * 3600
            while True:
                samples.append(await sample(run, hass, started))
                say(samples[-1])
                if process.returncode is not None or time.monotonic() >= end:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), min(args.sample_minutes * 60, end - time.monotonic()))
            counter.cancel()
    finally:
        ended_by_itself = process.returncode is not None
        if not ended_by_itself:
            process.send_signal(signal.SIGTERM)
        await process.wait()
        await reader
    report(run, samples, ended_by_itself)
    print("\nTrigger → announcement, from the recorder (scripts/door_latency.py):")
    print("\n".join(door_latency.table(door_latency.latencies(args.state / "ha" / door_latency.DATABASE))))
    return 1 if ended_by_itself else 0


def report(run: Soak, samples: list[Sample], ended_by_itself: bool) -> None:
    """Print the run hour by hour, and the log lines at WARNING or above."""
    if not samples:
        print("[soak] the demo never became ready")
        return
    print(f"\n[soak] the demo {'STOPPED BY ITSELF' if ended_by_itself else 'ran until stopped'}"
          f" after {samples[-1].hours:.2f} h")  # fmt: skip
    hourly = [samples[0]] + [
        next(s for s in samples if s.hours >= hour) for hour in range(1, int(samples[-1].hours) + 1)
    ]
    if hourly[-1] is not samples[-1]:
        hourly.append(samples[-1])
    names = list(samples[-1].memory_mb)
    print(
        "  hours  recognitions  per hour  unknown  per hour  "
        + "  ".join(f"{name} MB" for name in names)
        + "  state MB  kept MB  face set MB  calls today  visitors"
    )
    for before, now in zip([None, *hourly], hourly, strict=False):
        span = (now.hours - before.hours) if before else 0.0
        rates = (
            [(now.recognitions - before.recognitions) / span, (now.unknown_faces - before.unknown_faces) / span]
            if before and span
            else [0.0, 0.0]
        )
        memory = "  ".join(f"{now.memory_mb.get(name, 0):{len(name) + 3}.0f}" for name in names)
        print(
            f"  {now.hours:5.2f}  {now.recognitions:12d}  {rates[0]:8.0f}  {now.unknown_faces:7d}  {rates[1]:8.0f}"
            f"  {memory}  {now.state_mb:8.1f}  {now.kept_mb:7.1f}  {now.face_set_mb:11.1f}  {now.calls_today:>11}"
            f"  {now.visitors:>8}"
        )
    counted = noise(run.state)
    print(f"[soak] lines at WARNING or above in the logs: {sum(counted.values())}")
    for message, count in counted.most_common():
        print(f"  {count:5d} x {message}")


def main() -> None:
    """Run the soak from the command line."""
    parser = argparse.ArgumentParser(prog="python -m scripts.demo_soak", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="how long the demo runs")
    parser.add_argument("--sample-minutes", type=float, default=10.0, help="minutes between samples")
    parser.add_argument("--port", type=int, default=8601, help="Home Assistant's port on 127.0.0.1")
    parser.add_argument("--baidu-port", type=int, default=8602, help="the local Baidu server's port on 127.0.0.1")
    default_state = Path(tempfile.gettempdir()) / "demo-soak-state"
    parser.add_argument("--state", type=Path, default=default_state, help="a state directory, emptied first")
    sys.exit(asyncio.run(soak(parser.parse_args())))


if __name__ == "__main__":
    main()
