"""Liveness and quality levels: what each level asks of a face, and judging a face by it.

Where Baidu judges a level itself (V3's `liveness_control` and
`quality_control`), its refusal is the judgement. Where it only gives the
numbers (V2's liveness score and `qualities`, and V3's detect, which takes no
`quality_control`), the client judges them here, by the table below, and
refuses with the same errors Baidu's own refusals become: a caller sees one
behaviour whichever dialect answered.

Baidu publishes no per-level table (UNCONFIRMED, see baidu-quality-liveness.md
§1.3 and §2.1): these numbers are the team's contract, and the local server
keeps a copy of them that a server test holds equal to this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from .exceptions import (
    BaiduFaceError,
    BaiduFaceLivenessError,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceQualityError,
    BaiduFaceQualityUnavailableError,
)
from .models import ControlLevel, Faces, Occlusion, Quality, QualityCheck


@dataclass(frozen=True, slots=True)
class QualityLimits:
    """What a face must hold to pass one quality level (every check at once)."""

    max_blur: float  # 0 sharp - 1 blurred
    min_illumination: float  # 0-255
    complete: bool  # the whole face inside the image
    max_angle: float  # |yaw|, |pitch| and |roll|, degrees
    max_occlusion: Occlusion  # per region, 0 visible - 1 covered


def _occlusion(eyes: float, nose_and_mouth: float, cheeks: float, chin: float) -> Occlusion:
    """Occlusion limits as the tables give them: left and right alike."""
    return Occlusion(eyes, eyes, nose_and_mouth, nose_and_mouth, cheeks, cheeks, chin)


# The team's contract, level by level (a face passes when every check holds):
# blur <=, illumination >=, completeness required, |yaw|, |pitch|, |roll| <=, occlusion <=.
# The angles (45 / 30 / 20) are looser than the presets the other numbers come from:
# Baidu's V3 has no refusal code for a turned face, its own V3 sample checks 30 degrees
# before a search, and at 20 a door camera refused a third of the sample faces.
QUALITY_LIMITS: dict[ControlLevel, QualityLimits] = {
    # Baidu's capture SDK's lenient preset (§2.1: blur 0.8, illumination 30,
    # occlusion 0.8); the face may cross the edge.
    ControlLevel.LOW: QualityLimits(0.8, 30, False, 45, _occlusion(eyes=0.8, nose_and_mouth=0.8, cheeks=0.8, chin=0.8)),
    # Baidu's V2 recommended table (§1.3: blur < 0.7, illumination > 40, eyes
    # 0.6, nose and mouth 0.7, cheeks 0.8, chin 0.6); completeness is "per
    # business logic" there, required here.
    ControlLevel.NORMAL: QualityLimits(
        0.7, 40, True, 30, _occlusion(eyes=0.6, nose_and_mouth=0.7, cheeks=0.8, chin=0.6)
    ),
    # The capture SDK's strict preset (§2.1: blur 0.4, illumination 60); the occlusion limits are the team's own.
    ControlLevel.HIGH: QualityLimits(0.4, 60, True, 20, _occlusion(eyes=0.4, nose_and_mouth=0.5, cheeks=0.6, chin=0.4)),
}

# V2's `faceliveness` (0-1, higher: more likely live) a face must reach; all three
# are numbers Baidu documented for V2 at some time (§1.4).
LIVENESS_THRESHOLDS: dict[ControlLevel, float] = {
    ControlLevel.LOW: 0.393241,  # "推荐" (recommended) in later copies of the V2 docs
    ControlLevel.NORMAL: 0.4494,  # the V2 SDK documentation's reference score
    ControlLevel.HIGH: 0.834963,  # person/verify's default faceliveness_conf (nodejs-sdk 2.2.0)
}

REGIONS = tuple(f.name for f in fields(Occlusion))


def quality_refusal(quality: Quality | None, level: ControlLevel) -> BaiduFaceQualityError | None:
    """Return the refusal of a face that fails `level` (the first failing check names it), else None.

    Raises BaiduFaceQualityUnavailableError when the answer carried no quality
    (or no angles) to judge: nothing is passed unjudged.
    """
    if level is ControlLevel.NONE:
        return None
    if quality is None or quality.yaw is None or quality.pitch is None or quality.roll is None:
        raise BaiduFaceQualityUnavailableError("quality was asked for, but the answer did not say it: nothing judged")
    limits = QUALITY_LIMITS[level]
    angle = max(abs(quality.yaw), abs(quality.pitch), abs(quality.roll))
    covered = tuple(r for r in REGIONS if getattr(quality.occlusion, r) > getattr(limits.max_occlusion, r))
    failed = (
        (limits.complete and quality.completeness < 1, QualityCheck.COMPLETENESS, "the face crosses the image's edge"),
        (angle > limits.max_angle, QualityCheck.ANGLE, f"the face is turned {angle:g}° (at most {limits.max_angle:g})"),
        (quality.blur > limits.max_blur, QualityCheck.BLUR, f"the face is blurred ({quality.blur:g}, at most "
         f"{limits.max_blur:g})"),
        (quality.illumination < limits.min_illumination, QualityCheck.ILLUMINATION,
         f"the face is too dark ({quality.illumination:g}, at least {limits.min_illumination:g})"),
        (bool(covered), QualityCheck.OCCLUSION, f"the face is covered: {', '.join(covered)}"),
    )  # fmt: skip
    for fails, check, why in failed:
        if fails:
            return BaiduFaceQualityError(
                f"quality {level} refused: {why}",
                check=check,
                regions=covered if check is QualityCheck.OCCLUSION else (),
            )
    return None


def liveness_refusal(score: float | None, level: ControlLevel) -> BaiduFaceLivenessError | None:
    """Return the refusal of a V2 liveness score below `level`'s threshold, else None.

    Raises BaiduFaceLivenessUnavailableError when the answer carried no score.
    """
    if level is ControlLevel.NONE:
        return None
    if score is None:
        raise BaiduFaceLivenessUnavailableError("liveness was asked for, but the answer gave no score: nothing judged")
    threshold = LIVENESS_THRESHOLDS[level]
    if score < threshold:
        return BaiduFaceLivenessError(
            f"liveness check failed: score {score:g}, {threshold:g} needed for {level}", score=score
        )
    return None


def kept[T](judged: Iterable[T | BaiduFaceError], refused: int = 0) -> Faces[T]:
    """Keep the faces that passed, counting those refused; when none passed, raise the largest one's refusal.

    `judged` is largest first, each a face or its refusal: the rule Baidu's
    multi-search follows for quality_control, so both dialects follow it.
    """
    passed: list[T] = []
    refusals: list[BaiduFaceError] = []
    for item in judged:
        if isinstance(item, BaiduFaceError):
            refusals.append(item)
        else:
            passed.append(item)
    if refusals and not passed:
        raise refusals[0]
    return Faces(passed, refused + len(refusals))
