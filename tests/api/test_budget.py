"""The client's budget hook: asked before each request, told after; a spent budget sends nothing."""

from __future__ import annotations

from collections import Counter

import aiohttp
import pytest

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import (
    BaiduFaceBudgetExhaustedError,
    BaiduFaceClient,
    BaiduFaceQuotaExhaustedError,
)
from sample_faces import FOLDER as FACES
from tests.conftest import BOTH

OBAMA = (FACES / "probe" / "obama.jpg").read_bytes()


class Allowance:
    """A budget of `limit` counted calls per API, as an application would keep one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.asked: list[str] = []
        self.counted: Counter[str] = Counter()
        self.spent: list[tuple[str, str]] = []

    def allow(self, api: str) -> str | None:
        self.asked.append(api)
        return "month" if self.counted[api] >= self.limit else None

    def record(self, api: str, *, counted: bool, spent: str | None) -> None:
        self.counted[api] += counted
        if spent is not None:
            self.spent.append((api, spent))


def client_with(
    server: RunningServer, session: aiohttp.ClientSession, budget: Allowance, version: str
) -> BaiduFaceClient:
    return BaiduFaceClient(
        session, BOTH.api_key, BOTH.secret_key, api_version=version, base_url=server.url, qps=50, budget=budget
    )


async def test_a_spent_budget_refuses_before_sending(
    server: RunningServer, session: aiohttp.ClientSession, api_version: str
) -> None:
    budget = Allowance(limit=2)
    client = client_with(server, session, budget, api_version)
    app = server.apps[BOTH.api_key]
    for _ in range(2):
        await client.detect(OBAMA)
    reached = len(app.accepted)
    with pytest.raises(BaiduFaceBudgetExhaustedError) as refused:
        await client.detect(OBAMA)
    # The same kind as Baidu's own "quota spent", so callers that stop on that stop here too.
    assert isinstance(refused.value, BaiduFaceQuotaExhaustedError)
    assert (refused.value.api, refused.value.period) == ("detect", "month")
    assert len(app.accepted) == reached
    assert budget.counted["detect"] == 2
    # Other APIs have budgets of their own, as at Baidu; token requests are never asked about.
    await client.list_groups()
    assert budget.counted["faceset/group/getlist"] == 1
    assert set(budget.asked) == {"detect", "faceset/group/getlist"}


async def test_each_api_is_counted_by_its_own_name(server: RunningServer, session: aiohttp.ClientSession) -> None:
    budget = Allowance(limit=100)
    v3 = client_with(server, session, budget, "v3")
    await v3.detect(OBAMA)
    await v3.match([OBAMA, OBAMA])
    await v3.create_group("budget_test")
    await v3.list_groups()
    v2 = client_with(server, session, budget, "v2")
    await v2.detect(OBAMA)
    assert budget.counted == Counter({"detect": 2, "match": 1, "faceset/group/add": 1, "faceset/group/getlist": 1})


async def test_baidus_quota_answer_is_reported_and_not_counted(
    server: RunningServer, session: aiohttp.ClientSession, api_version: str
) -> None:
    server.apps[BOTH.api_key].daily_quota = 1
    budget = Allowance(limit=100)
    client = client_with(server, session, budget, api_version)
    await client.list_groups()
    with pytest.raises(BaiduFaceQuotaExhaustedError) as refused:
        await client.detect(OBAMA)
    assert not isinstance(refused.value, BaiduFaceBudgetExhaustedError)
    assert budget.spent == [("detect", "day")]
    assert budget.counted == Counter({"faceset/group/getlist": 1})
