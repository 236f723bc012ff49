"""Answers of the wrong shape, on every operation and the token endpoint: only the client's own errors come out.

A seeded fuzz. The seeds are real answers: the local server's own, recorded through a proxy on
loopback while the real client runs every operation (both dialects, with liveness and quality
levels too, where the documented quality and liveness fields are added as Baidu's docs show them),
and every real Baidu body of `tests/fixtures/baidu_real_responses.json`. Each case serves one seed
with one to three mutations (a key dropped, a value of the wrong type, a number as text, a list
emptied or a value that is no number at all) from a tiny aiohttp server on loopback, through the
real `BaiduFaceClient`. The only acceptable outcomes are a `BaiduFaceError` or a result whose
every field has the type its dataclass declares.
"""

from __future__ import annotations

import copy
import json
import random
import types
import typing
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import BaiduFaceClient, BaiduFaceError, prepare_image
from tests.conftest import BOTH
from tests.faces import photo

from .loopback import odd_server
from .test_real_responses import CASES, SAMPLES, path_of

SEED = 20260519
MUTATIONS_PER_SEED = 12
TOKEN_CASES = 120
TOKEN_PATH = "/oauth/2.0/token"
WRONG: tuple[Any, ...] = (
    None, "", "soon", "1e5", "-3", "NaN", "Infinity", 0, -1, 2.5, 1e308, 10**30, True, [], [None], {}, {"x": 1},
    "🙂🙂", [[1]], "0.5,0.6",
)  # fmt: skip

# The recorded bodies carry no image: any photo will do.
ONE = prepare_image(photo("probe/obama.jpg"))
TWO = prepare_image(photo("probe/obama+biden.jpg"))
OBAMA, BIDEN, BIDEN_2 = (prepare_image(photo(f"enroll/{n}.jpg")) for n in ("obama_1", "biden_1", "biden_2"))

type Call = Callable[[BaiduFaceClient], Awaitable[object]]
type Answers = list[tuple[str, Any]]


@dataclass
class Seed:
    """A call, and the answers its requests got (path, body), in order."""

    name: str
    version: str
    call: Call
    answers: Answers = field(default_factory=list)
    refused: bool = False  # unmutated, the answers make the call fail (a real refusal)


# Each operation, in an order the face set allows; V3-only ones are left out for V2.
PLAIN: list[tuple[str, Call, bool]] = [
    ("register", lambda c: c.register_user("obama", OBAMA, ["family"], user_info="Obama"), True),
    ("register_two_groups", lambda c: c.register_user("biden", BIDEN, ["family", "friends"]), True),
    ("detect_one", lambda c: c.detect(OBAMA, max_faces=1), True),
    ("detect", lambda c: c.detect(TWO, max_faces=3, attributes={"landmark"}), True),
    ("match", lambda c: c.match([OBAMA, ONE, BIDEN]), True),
    ("identify_one", lambda c: c.identify(ONE, ["family"], top=2), True),
    ("identify_many", lambda c: c.identify(TWO, ["family"], max_faces=3, top=2), True),
    ("verify", lambda c: c.verify(ONE, "obama", ["family"]), True),
    ("update_keeping_info", lambda c: c.update_user("biden", BIDEN_2, "family"), True),
    ("get_user", lambda c: c.get_user("obama"), True),
    ("list_groups", lambda c: c.list_groups(), True),
    ("list_group_users", lambda c: c.list_group_users("family"), True),
    ("add_user_to_group", lambda c: c.add_user_to_group("obama", "family", ["vip"]), True),
    ("remove_user_from_group", lambda c: c.remove_user_from_group("obama", "vip"), True),
    ("create_group", lambda c: c.create_group("empty"), False),
    ("list_faces", lambda c: c.list_faces("obama", "family"), False),
    ("delete_group", lambda c: c.delete_group("empty"), False),
    ("delete_user_everywhere", lambda c: c.delete_user("biden"), True),
]

# Documented shapes (baidu-quality-liveness.md §1.2, §1.4, §2.4) of what the levels add to an answer.
OCCLUSION = {
    "left_eye": 0, "right_eye": 0.01, "nose": 0, "mouth": 0, "left_cheek": 0.02, "right_cheek": 0, "chin_contour": 0,
}  # fmt: skip
V3_QUALITY = {"occlusion": OCCLUSION, "blur": 1.2e-05, "illumination": 141, "completeness": 1}
V2_QUALITIES = {
    "occlusion": {"chin" if k == "chin_contour" else k: v for k, v in OCCLUSION.items()},
    "blur": "3.5e-06",
    "illumination": 138,
    "completeness": 1,
    "type": {"human": 0.98, "cartoon": 0.02},
}
EXT_LIVENESS = [{"faceliveness": "0.99999"}]
N = "normal"  # the level asked for, liveness and quality alike


def with_faces(body: dict[str, Any], key: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Return `body` with `extra` added to each face of its `key` list (V2's result, V3's result.face_list)."""
    body = copy.deepcopy(body)
    faces = body["result"]["face_list"] if key == "face_list" else body["result"]
    for face in faces:
        face.update(copy.deepcopy(extra))
    return body


def with_levels(version: str, recorded: dict[str, Seed]) -> list[Seed]:
    """Seeds for calls under quality and liveness levels, from the recorded answers plus the documented fields."""
    first = {name: seed.answers[0][1] for name, seed in recorded.items() if seed.answers}
    if version == "v3":
        detect = with_faces(first["detect"], "face_list", {"quality": V3_QUALITY, "liveness": {"livemapscore": 0.98}})
        # Under a level multi-search may leave faces out; face_num still counts them.
        many = copy.deepcopy(first["identify_many"])
        many["result"]["face_num"] = len(many["result"]["face_list"]) + 1
        return [
            Seed(
                "v3_detect_levels",
                version,
                lambda c: c.detect(TWO, max_faces=3, liveness=N, quality=N),
                [("v3/detect", detect)],
            ),
            Seed(
                "v3_identify_levels",
                version,
                lambda c: c.identify(TWO, ["family"], max_faces=3, liveness=N, quality=N),
                [("v3/multi-search", many)],
            ),
            Seed(
                "v3_verify_levels",
                version,
                lambda c: c.verify(ONE, "obama", ["family"], liveness=N, quality=N),
                recorded["verify"].answers,
            ),
            Seed(
                "v3_match_levels",
                version,
                lambda c: c.match([OBAMA, ONE], liveness=N, quality=N),
                recorded["match"].answers[:1],
            ),
            Seed(
                "v3_register_levels",
                version,
                lambda c: c.register_user("lin", OBAMA, ["family"], liveness=N, quality=N),
                recorded["register"].answers,
            ),
        ]
    detect_one = with_faces(first["detect_one"], "result", {"qualities": V2_QUALITIES})
    detect = with_faces(first["detect"], "result", {"qualities": V2_QUALITIES})
    identified = copy.deepcopy(first["identify_one"]) | {"ext_info": EXT_LIVENESS}
    verified = copy.deepcopy(first["verify"]) | {"ext_info": {"faceliveness": "9.9e-1"}}
    matched = copy.deepcopy(first["match"]) | {
        "ext_info": [
            {"qualities": [V2_QUALITIES | {"yaw": 1, "pitch": 2, "roll": 3}] * 3, "faceliveness": "0.9,0.8,0.7"}
        ]
    }
    return [
        Seed("v2_detect_quality", version, lambda c: c.detect(TWO, max_faces=3, quality=N), [("v2/detect", detect)]),
        Seed(
            "v2_identify_levels",
            version,
            lambda c: c.identify(ONE, ["family"], liveness=N, quality=N),
            [("v2/detect", detect_one), ("v2/identify", identified)],
        ),
        Seed(
            "v2_identify_many_quality",
            version,
            lambda c: c.identify(TWO, ["family"], max_faces=3, quality=N),
            [("v2/detect", detect), *recorded["identify_many"].answers],
        ),
        Seed(
            "v2_verify_levels",
            version,
            lambda c: c.verify(ONE, "obama", ["family"], liveness=N, quality=N),
            [("v2/detect", detect_one), ("v2/verify", verified)],
        ),
        Seed(
            "v2_match_levels",
            version,
            lambda c: c.match([OBAMA, ONE, BIDEN], liveness=N, quality=N),
            [("v2/match", matched)],
        ),
        Seed(
            "v2_register_quality",
            version,
            lambda c: c.register_user("lin", OBAMA, ["family"], quality=N),
            [("v2/detect", detect_one), *recorded["register"].answers],
        ),
    ]


@pytest.fixture
async def recorder(
    server: RunningServer, session: aiohttp.ClientSession
) -> AsyncIterator[Callable[[str], Awaitable[tuple[dict[str, Seed], Any]]]]:
    """Record the local server's answers to every plain operation of a dialect, through a proxy on loopback."""
    heard: Answers = []
    tokens: list[Any] = []

    async def forward(request: web.Request) -> web.Response:
        headers = {"Content-Type": request.headers.get("Content-Type", "application/x-www-form-urlencoded")}
        async with session.request(
            request.method, server.url + request.path_qs, data=await request.read(), headers=headers
        ) as upstream:
            body = await upstream.read()
        (tokens if request.path == TOKEN_PATH else heard).append((request.path, json.loads(body)))
        return web.Response(body=body, content_type="application/json")

    runner, url = await odd_server(forward)

    async def record(version: str) -> tuple[dict[str, Seed], Any]:
        client = BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=url, api_version=version, qps=50)
        recorded: dict[str, Seed] = {}
        for name, call, on_v2 in PLAIN:
            if version == "v2" and not on_v2:
                continue
            heard.clear()
            await call(client)
            answers = [(path.removeprefix("/rest/2.0/face/"), body) for path, body in heard]
            recorded[name] = Seed(f"{version}_{name}", version, call, answers)
        return recorded, tokens[0][1]

    yield record
    await runner.cleanup()


@dataclass
class Replay:
    """What the replay server answers: the token's body, and each request's, in order."""

    token: Any = None
    answers: Answers = field(default_factory=list)
    served: int = 0


@pytest.fixture
async def replay(session: aiohttp.ClientSession) -> AsyncIterator[tuple[Replay, str]]:
    state = Replay()

    async def answer(request: web.Request) -> web.Response:
        if request.path == TOKEN_PATH:
            return web.json_response(state.token)
        path = request.path.removeprefix("/rest/2.0/face/")
        if state.served < len(state.answers) and state.answers[state.served][0] == path:
            state.served += 1
            return web.json_response(state.answers[state.served - 1][1])
        # A request the recording did not see (the mutation changed the flow): the path's first answer.
        body = next((b for p, b in state.answers if p == path), {"error_code": 3, "error_msg": "Unsupported"})
        return web.json_response(body)

    runner, url = await odd_server(answer)
    yield state, url
    await runner.cleanup()


def spots(tree: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) in a JSON tree: where a mutation may land."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield tree, key
            yield from spots(value)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield tree, index
            yield from spots(value)


def mutate(body: Any, rng: random.Random) -> tuple[Any, str]:
    """Return a mutated copy of a body and what was done to it."""
    body = copy.deepcopy(body)
    done = []
    for _ in range(rng.randint(1, 3)):
        places = list(spots(body))
        if not places:
            body = copy.deepcopy(rng.choice(WRONG))
            done.append(f"body={body!r}")
            continue
        container, key = rng.choice(places)
        value = container[key]
        kind = rng.choice(("drop", "wrong", "wrong", "text", "empty"))
        if kind == "drop":
            del container[key]
        elif kind == "text" and isinstance(value, int | float) and not isinstance(value, bool):
            container[key] = str(value)
        elif kind == "empty" and isinstance(value, list | dict):
            value.clear()
        else:
            kind = "wrong"
            container[key] = copy.deepcopy(rng.choice(WRONG))
        done.append(f"{kind} {key!r}" + (f"={container[key]!r}" if kind == "wrong" else ""))
    return body, "; ".join(done)


def conforms(value: Any, hint: Any) -> bool:
    """Whether a value has the type a dataclass field declares (float means a float, int an int, not a bool)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(conforms(value, a) for a in arguments)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return all(conforms(v, arguments[0]) for v in value)
        return len(value) == len(arguments) and all(conforms(v, a) for v, a in zip(value, arguments, strict=True))
    if hint is type(None):
        return value is None
    if hint in (int, float):
        return type(value) is hint
    if isinstance(hint, type) and issubclass(hint, str):
        return isinstance(value, str)
    if isinstance(hint, type) and is_dataclass(hint):
        return isinstance(value, hint) and well_typed(value)
    return isinstance(value, hint)


def well_typed(result: Any) -> bool:
    """Whether a result (a dataclass, a list of them, of strings...) holds only the declared types."""
    if isinstance(result, list):
        return all(well_typed(item) for item in result)
    if result is None or isinstance(result, str):
        return True
    if not is_dataclass(result):
        return False
    hints = typing.get_type_hints(type(result))
    return all(conforms(getattr(result, f.name), hints[f.name]) for f in fields(result))


async def fuzz(
    session: aiohttp.ClientSession,
    replay: tuple[Replay, str],
    seeds: list[Seed],
    token: Any,
    rng: random.Random,
    *,
    mutate_token: bool = False,
) -> tuple[Counter[str], list[str]]:
    """Serve every seed mutated MUTATIONS_PER_SEED times; return the outcomes and the unacceptable ones.

    Each case mutates one of the seed's answers, or (`mutate_token`) the token's.
    """
    state, url = replay
    outcomes: Counter[str] = Counter()
    bad: list[str] = []
    for seed in seeds:
        # Unmutated, each seed is a good answer: what goes wrong below, the mutation did.
        state.token, state.served, state.answers = token, 0, list(seed.answers)
        client = BaiduFaceClient(session, f"{seed.name}-as-is", "s", base_url=url, api_version=seed.version)
        assert (await run(client, seed.call)).startswith("BaiduFace" if seed.refused else "ok"), seed.name
    for number, (seed, _) in enumerate((s, m) for s in seeds for m in range(MUTATIONS_PER_SEED)):
        state.token, state.served = token, 0
        state.answers = list(seed.answers)
        if mutate_token:
            state.token, what = mutate(token, rng)
            what = f"token: {what}"
        else:
            target = rng.randrange(len(state.answers))
            mutated, what = mutate(state.answers[target][1], rng)
            state.answers[target] = (state.answers[target][0], mutated)
            what = f"{state.answers[target][0]}: {what}"
        # A key of its own: no token is shared with an earlier case's client.
        client = BaiduFaceClient(session, f"k{number}", "s", base_url=url, api_version=seed.version, deadline=5)
        outcome = await run(client, seed.call)
        outcomes[outcome.split(":")[0]] += 1
        if outcome.startswith(("UNEXPECTED", "ILL-TYPED")):
            bad.append(f"{seed.name} [{what}]: {outcome}")
    return outcomes, bad


async def run(client: BaiduFaceClient, call: Call) -> str:
    try:
        result = await call(client)
    except BaiduFaceError as err:
        return type(err).__name__
    except Exception as err:  # the point: any other kind is the defect
        return f"UNEXPECTED {type(err).__name__}: {err!s:.100}"
    return "ok" if well_typed(result) else f"ILL-TYPED {result!r:.200}"


def report(name: str, outcomes: Counter[str], bad: list[str]) -> None:
    print(f"\n{name}: seed {SEED}, {sum(outcomes.values())} cases: {dict(outcomes.most_common())}")
    assert not bad, f"{len(bad)} cases:\n" + "\n".join(bad[:25])


@pytest.mark.parametrize("version", ["v2", "v3"])
@pytest.mark.parametrize("levels", [False, True], ids=["plain", "levels"])
async def test_the_local_servers_answers_mutated(
    recorder: Callable[[str], Awaitable[tuple[dict[str, Seed], Any]]],
    replay: tuple[Replay, str],
    session: aiohttp.ClientSession,
    version: str,
    levels: bool,
) -> None:
    recorded, token = await recorder(version)
    assert all(seed.answers for seed in recorded.values())
    seeds = with_levels(version, recorded) if levels else list(recorded.values())
    rng = random.Random(f"{SEED}-{version}-{levels}")
    report(f"{version} {'levels' if levels else 'plain'}", *await fuzz(session, replay, seeds, token, rng))


async def test_real_baidu_bodies_mutated(session: aiohttp.ClientSession, replay: tuple[Replay, str]) -> None:
    token = {"access_token": "24.replay", "expires_in": 2592000}
    seeds = []
    for index, (call, expected) in CASES.items():
        path = path_of(SAMPLES[index]["operation"])
        answers = [(path, SAMPLES[index]["body"])]
        seeds.append(Seed(f"sample {index}", path.split("/")[0], call, answers, refused=isinstance(expected, tuple)))
    rng = random.Random(f"{SEED}-samples")
    report("real Baidu bodies", *await fuzz(session, replay, seeds, token, rng))


async def test_token_answers_mutated(session: aiohttp.ClientSession, replay: tuple[Replay, str]) -> None:
    token = {
        "refresh_token": "25.r",
        "expires_in": 2592000,
        "scope": "public brain_all_scope",
        "session_key": "s",
        "access_token": "24.t",
        "session_secret": "x",
    }
    groups = {"error_code": 0, "error_msg": "SUCCESS", "log_id": 1, "result": {"group_id_list": ["family"]}}
    seed = Seed("token", "v3", lambda c: c.list_groups(), [("v3/faceset/group/getlist", groups)])
    rng = random.Random(f"{SEED}-token")
    outcomes, bad = await fuzz(
        session, replay, [seed] * (TOKEN_CASES // MUTATIONS_PER_SEED), token, rng, mutate_token=True
    )
    assert 0 < outcomes["ok"] < sum(outcomes.values())  # some mutations are harmless (an unused key), most not
    report("token", outcomes, bad)
