"""How a camera decides who a visit saw, and the record of why: the one home of frames to confirm and ties.

A frame *names* a person when one of its faces has them as its best candidate
at or above the threshold, with no other person within TIE_MARGIN points (a
tie names nobody: seen.SeenFace.identified). A person is *confirmed* once
`frames_to_confirm` frames of the visit name them. A *stranger* is confirmed
once `frames_to_confirm_unknown` frames (at least `frames_to_confirm`) have
faces and name nobody, with no frame naming anyone, no tie and no photo: the
visit is settled then, and ends there, without the rest of its burst (a
stranger is announced within about two burst intervals, and fewer frames are
sent). A frame the change gate kept back after a frame that named nobody
agrees with it: the same scene gets the same answer (change_gate.py). A person
turning to the camera in one of those frames is named, so no stranger is
announced. When the visit ends
(`Rule.conclude`) it is one of:

- recognized: the people confirmed;
- uncertain: it saw a face but cannot say who. `reason` is `liveness_failed`
  (a frame's face failed the liveness level: a photo or a screen, whatever it
  resembled), `disagree` (a lone face, named as different people by different
  frames), `not_confirmed` (named in fewer frames than needed) or `tie`;
- unknown: faces that named nobody, and no tie (a stranger);
- nothing: no face, or every frame refused for quality (a blurred frame is
  not a stranger).

Every announcement carries a `decision` (`Decisions.record`): the frames and
their scores, the rule, what liveness and quality checked, and the backend.
It holds no picture, token or name, so diagnostics keep the last ones as
they are.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .api import BaiduFaceClient, Candidate, ControlLevel, is_baidu_cloud
from .const import KEPT_DECISIONS, TIE_MARGIN, UNKNOWN_FRAMES_TO_CONFIRM
from .visits import (
    FRAME_NAMED,
    FRAME_NOBODY,
    FRAME_SKIPPED,
    FRAME_TIE,
    NOTHING,
    RECOGNIZED,
    UNCERTAIN,
    UNKNOWN,
    Verdict,
    Visit,
)

# The frames whose answer judged a face: an empty doorway's frame judged nothing.
_JUDGED = frozenset({FRAME_NAMED, FRAME_NOBODY, FRAME_TIE})

REASON_LIVENESS_FAILED = "liveness_failed"
REASON_DISAGREE = "disagree"
REASON_NOT_CONFIRMED = "not_confirmed"
REASON_TIE = "tie"


@dataclass(frozen=True, slots=True)
class Rule:
    """A camera's rule: frames that must name a person, the threshold and tie margin, the levels asked.

    `frames_to_confirm_unknown`: the frames that confirm a stranger, at least
    `frames_to_confirm` (0: none do, the visit runs its whole burst, as before
    there was this rule: the door benchmark's comparison).
    """

    frames_to_confirm: int = 1
    threshold: float = 80.0
    tie_margin: float = TIE_MARGIN
    liveness: ControlLevel = ControlLevel.NONE
    quality: ControlLevel = ControlLevel.NONE
    frames_to_confirm_unknown: int = UNKNOWN_FRAMES_TO_CONFIRM

    @property
    def unknown_frames(self) -> int:
        """Return the frames that must name nobody before a stranger is announced (0: at the burst's end)."""
        return max(self.frames_to_confirm, self.frames_to_confirm_unknown) if self.frames_to_confirm_unknown else 0

    def settled(self, visit: Visit) -> bool:
        """Whether more frames cannot change the outcome: someone confirmed, a lone face named twice over, a photo.

        Or a stranger confirmed: frames enough named nobody.
        """
        return bool(
            visit.liveness_failed or self._disagree(visit) or self._confirmed(visit) or self._unknown_confirmed(visit)
        )

    def frames_needed(self, visit: Visit) -> int:
        """Return the frames still needed to confirm everyone named so far (0: nobody waits)."""
        return max((self.frames_to_confirm - n for n in visit.named.values()), default=0)

    def conclude(self, visit: Visit) -> Verdict:
        """Decide the visit; from then on its `known` holds only the people confirmed."""
        confirmed = self._confirmed(visit)
        named = tuple(
            Candidate(uid, face.group_id or "", face.user_info or "", face.score) for uid, face in visit.known.items()
        )
        if visit.liveness_failed:
            verdict = Verdict(UNCERTAIN, REASON_LIVENESS_FAILED, candidates=named)
        elif self._disagree(visit):
            verdict = Verdict(UNCERTAIN, REASON_DISAGREE, candidates=named)
        elif confirmed:
            verdict = Verdict(RECOGNIZED, confirmed=tuple(confirmed))
        elif named:
            verdict = Verdict(UNCERTAIN, REASON_NOT_CONFIRMED, candidates=named)
        elif visit.tied:
            verdict = Verdict(UNCERTAIN, REASON_TIE, candidates=tuple(visit.tied.values()))
        else:
            verdict = Verdict(UNKNOWN if visit.unknown else NOTHING)
        kept = set(verdict.confirmed)
        visit.uncertain = {uid: face for uid, face in visit.known.items() if uid not in kept}
        visit.known = {uid: face for uid, face in visit.known.items() if uid in kept}
        visit.verdict = verdict
        return verdict

    def _confirmed(self, visit: Visit) -> list[str]:
        return [uid for uid, frames in visit.named.items() if frames >= self.frames_to_confirm]

    def _unknown_confirmed(self, visit: Visit) -> bool:
        """Whether frames enough had faces that named nobody, and no frame named anyone or tied (a stranger)."""
        if not self.unknown_frames or visit.named or visit.tied or visit.liveness_failed:
            return False
        return _frames_naming_nobody(visit) >= self.unknown_frames

    @staticmethod
    def _disagree(visit: Visit) -> bool:
        """Whether one face (the visit never saw more) was named as different people."""
        return visit.most_faces == 1 and len(visit.named) > 1

    def attributes(self) -> dict[str, Any]:
        """Return the rule as the decision shows it."""
        return {
            "frames_to_confirm": self.frames_to_confirm,
            # The frames that named nobody before a stranger is announced (0: at the burst's end).
            "frames_to_confirm_unknown": self.unknown_frames,
            "threshold": self.threshold,
            "tie_margin": self.tie_margin,
        }


@dataclass
class Decisions:
    """One camera's decision records: made for each announcement, the last KEPT_DECISIONS kept for diagnostics."""

    rule: Rule
    client: BaiduFaceClient
    kept: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT_DECISIONS))

    def record(self, visit: Visit, event_type: str, uid: str | None = None) -> dict[str, Any]:
        """Return (and keep) the decision behind announcing `visit` as `event_type` (`uid`: the person announced)."""
        verdict = visit.verdict
        rule = self.rule
        judged = sum(1 for frame in visit.frames if frame.result in _JUDGED)
        decision: dict[str, Any] = {
            "outcome": verdict.outcome if verdict else None,
            "reason": verdict.reason if verdict else None,
            "frames_scanned": visit.frames_scanned,
            "frames_skipped": visit.frames_skipped,
            "frames_refused": visit.frames_refused,
            "frames_liveness_failed": visit.liveness_failed,
            # Faces of answered frames left out for failing a level, beside others that passed.
            "faces_refused": visit.faces_refused,
            # Each frame, in order: what it came to, and the announced person's score in it
            # (else the best candidate's; None where the frame was not answered).
            "frames": [
                {"result": frame.result, "score": frame.scores.get(uid, None) if uid else frame.best}
                | ({"check": frame.check} if frame.check else {})
                for frame in visit.frames
            ],
            "frames_naming": visit.named.get(uid, 0) if uid else 0,
            "rule": rule.attributes(),
            "liveness": _check(rule.liveness, judged, visit.liveness_failed),
            # A frame that failed liveness may not have had its quality judged: it is not counted as checked.
            "quality": _check(rule.quality, judged, visit.frames_refused),
            "backend": {
                "server": "baidu" if is_baidu_cloud(self.client.base_url) else "local",
                "api_version": self.client.api_version.value,
            },
        }
        self.kept.append({"event_type": event_type} | decision)
        return decision


def _frames_naming_nobody(visit: Visit) -> int:
    """Count the frames that named nobody, and those the change gate kept back after one (the same answer)."""
    count, last_sent = 0, None
    for frame in visit.frames:
        if frame.result != FRAME_SKIPPED:
            last_sent = frame.result
        if last_sent == FRAME_NOBODY:
            count += 1
    return count


def _check(level: ControlLevel, passed: int, failed: int) -> dict[str, Any]:
    """Say what a level checked: only frames whose answer judged the face count (never "checked" unjudged)."""
    judged = passed + failed if level is not ControlLevel.NONE else 0
    return {
        "level": level.value,
        "checked": judged > 0,
        "frames_checked": judged,
        "frames_failed": failed if judged else 0,
        "passed": (failed == 0) if judged else None,
    }
