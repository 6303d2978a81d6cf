"""Races of staff acting for a villager (帮办代办): the rules of the villager's own requests hold under the header."""

from __future__ import annotations

import uuid

from backend.applications.models import Application
from backend.kit.models import WorkflowEvent
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.applications.test_applications import attach_id_card
from tests.assisted.test_acting import API, acting, setup
from tests.races.conftest import N, assert_no_5xx, assert_one_winner, outcome, race, race_with_inserts_held


async def test_fifty_acting_starts_of_one_item_leave_one_draft_of_the_villager(client, resident, settings):
    worker, _, villager, delegation = await setup(client, phone="13700000091")
    headers = acting(worker, delegation)
    answers = await race_with_inserts_held(
        settings, "application", (client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=headers) for _ in range(N))
    )
    assert_no_5xx(answers)
    assert sorted(r.status_code for r in answers) == [200] * (N - 1) + [201], outcome(answers)
    assert await Application.filter(person_id=villager["id"], status="draft").count() == 1


async def test_fifty_acting_submits_submit_once_under_the_delegation(client, resident):
    worker, session, villager, delegation = await setup(client, phone="13700000092")
    headers = acting(worker, delegation)
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=headers)
    case = r.json()
    await attach_id_card(client, headers, case["id"])
    answers = await race(
        client.post(f"{API}/{case['id']}/submit", headers=headers | {"Idempotency-Key": uuid.uuid4().hex}) for _ in range(N)
    )
    assert_one_winner(answers, status=200, losers={409: {"application.illegal_transition"}})
    [event] = await WorkflowEvent.filter(object_type="application", object_id=case["id"], action="submit")
    assert (event.actor, event.authorisation) == (f"person:{session.person_id}", f"delegation:{delegation['id']}")
