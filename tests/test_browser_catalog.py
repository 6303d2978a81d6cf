"""The 办事指南 in a phone browser through nginx: one truth for 必交, the complete guide, checked
conditions explained in plain words, a realistic form with per-field messages (both databases)."""

from __future__ import annotations

import os
import subprocess

from tests.journeys import journey_on
from tests.test_nginx import ROOT, Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("sqlite")
def test_guide_conditions_and_form_journey_in_a_phone_browser(stack: Stack, tmp_path):  # noqa: F811
    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    env = dict(
        os.environ,
        BASE_URL=stack.nginx.url,
        SMS_GATEWAY_URL=stack.sms_url,
        RESIDENT_PHONE="1350001000" + suffix,
        SCREENSHOT_DIR=str(tmp_path),
    )
    result = subprocess.run(["node", "e2e/catalog.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
