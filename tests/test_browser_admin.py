"""The admin console in a phone browser through nginx (issue 15): the demo administrator adds a make-up working
day on 节假日 and deletes it, edits a window group's weekly schedule and closes a date on 大厅与排班, sends a dead
notification again from 失败通知, grants, withdraws, disables and enables the demo clerk on 人员与角色 and verifies
the audit chain on 审计日志; the demo auditor lands on 审计日志, verifies and searches."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.conftest import ROOT
from tests.journeys import journey_on, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401

DEMO_ADMIN_PHONE = "13800000001"
DEMO_PASSWORD = "yiwang-demo-2026"
DEMO_CLERK_PHONE = "13800000002"
DEMO_AUDITOR_PHONE = "13800000006"

# Run in a process of its own against the stack's database: a notification whose SMS delivery gave up.
MAKE_DEAD = """
import asyncio, sys
from datetime import UTC, datetime
from backend.kit import db
from notifications.models import Delivery, Notification

async def main():
    await db.connect(sys.argv[1])
    now = datetime.now(UTC)
    n = await Notification.create(person_id=1, event="case.accepted", dedupe_key=sys.argv[2], title="办件已受理",
                                  body="您的办件已受理", created_at=now)
    d = await Delivery.create(notification=n, channel="sms", status="dead", attempts=3, next_attempt_at=now,
                              last_error="gateway timeout", created_at=now)
    print(d.id)
    await db.close()

asyncio.run(main())
"""


def dead_delivery(on: Stack) -> int:
    env = dict(on.env, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [sys.executable, "-c", MAKE_DEAD, on.env["YIWANG_DATABASE_URL"], f"admin-journey-{uuid.uuid4()}"]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1])


@journey_on("sqlite")
def test_admin_adds_a_calendar_day_and_resends_a_dead_notification(stack: Stack, tmp_path):  # noqa: F811
    dead = dead_delivery(stack)
    run_journey(
        "admin.mjs",
        stack,
        tmp_path,
        timeout=420,
        ADMIN_PHONE=DEMO_ADMIN_PHONE,
        ADMIN_PASSWORD=DEMO_PASSWORD,
        DEAD_ID=str(dead),
        CLERK_PHONE=DEMO_CLERK_PHONE,
        AUDITOR_PHONE=DEMO_AUDITOR_PHONE,
        AUDITOR_PASSWORD=DEMO_PASSWORD,
    )
