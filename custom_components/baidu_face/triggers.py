"""Which state changes of a camera's trigger entities start a visit."""

from __future__ import annotations

from homeassistant.const import STATE_HOME, STATE_ON, STATE_OPEN, STATE_UNAVAILABLE
from homeassistant.core import State


def is_active(old: State | None, new: State | None) -> bool:
    """Whether a trigger entity's state change starts a visit.

    Event entities (a doorbell's press): any new state. Numbers (Frigate's person
    count): a rise above the previous value. Anything else: turning on (or open,
    home). Coming back from unavailable (a restart) is not a visit.
    """
    if old is None or new is None or STATE_UNAVAILABLE in (old.state, new.state):
        return False
    if new.state in (old.state, "unknown"):
        return False
    if new.domain == "event":
        return True
    try:
        count, before = float(new.state), float(old.state) if old.state != "unknown" else 0.0
    except ValueError:
        return new.state in (STATE_ON, STATE_OPEN, STATE_HOME)
    return count > 0 and count > before
