"""The clerk's desk in phone browsers through nginx (issue 12, points 2 and 14): the seeded demo
clerk's queue, confirmations, 不予受理 with a reason the resident reads, the 已办结 tab, no
resident tab bar on staff pages, 44 px targets, and resending the staff SMS code."""

from __future__ import annotations

import os
import subprocess

from backend.demo import DEMO_PASSWORD
from tests.stack import YIWANG
from tests.test_nginx import ROOT, Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def test_clerk_desk_journey_in_three_phone_browsers(stack: Stack, tmp_path):  # noqa: F811
    from tests.photos import photo

    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    resend_phone, password = "1350003009" + suffix, "clerk-password-2026"
    subprocess.run(
        [YIWANG, "createuser", "--role", "staff", "--scope", "hall:1", "--name", "周窗口", "--phone", resend_phone, "--password-stdin"],
        env=stack.env,
        cwd=ROOT,
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    photo_path = tmp_path / "id_card.jpg"
    photo_path.write_bytes(photo(1600, 1200))
    env = dict(
        os.environ,
        BASE_URL=stack.nginx.url,
        SMS_GATEWAY_URL=stack.sms_url,
        CLERK_PHONE="13800000002",
        CLERK_PASSWORD=DEMO_PASSWORD,
        RESIDENT_PHONE="1350003000" + suffix,
        RESEND_PHONE=resend_phone,
        RESEND_PASSWORD=password,
        PHOTO_PATH=str(photo_path),
        SCREENSHOT_DIR=str(tmp_path),
    )
    result = subprocess.run(["node", "e2e/staff.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
