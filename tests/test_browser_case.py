"""Browser journey of issue 12 points 1, 3, 4, 5 and 10 (pwa/e2e/case.mjs) through the real nginx stack."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT
from tests.photos import photo
from tests.stack import YIWANG
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def test_case_materials_corrections_and_read_only_journey_in_two_phone_browsers(stack: Stack, tmp_path):  # noqa: F811
    """Refused submit then submit on one page; retake replaces, remove; clerk sees one link; reasons by field; approved is read-only."""
    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    staff_phone, password = "1350004001" + suffix, "case-clerk-password-2026"
    subprocess.run(
        [
            YIWANG,
            "createuser",
            "--role",
            "approver",
            "--scope",
            "department:scjg",
            "--name",
            "孙审批",
            "--phone",
            staff_phone,
            "--password-stdin",
        ],
        env=stack.env,
        cwd=ROOT,
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    photos = {
        "GOOD_PHOTO": photo(1600, 1200),
        "DARK_PHOTO": photo(1600, 1200, color=(8, 8, 8), pattern=False),
        "OTHER_PHOTO": photo(1600, 1200, color=(215, 205, 185)),
    }
    paths = {}
    for name, data in photos.items():
        paths[name] = tmp_path / f"{name.lower()}.jpg"
        paths[name].write_bytes(data)
    env = dict(
        os.environ,
        BASE_URL=stack.nginx.url,
        SMS_GATEWAY_URL=stack.sms_url,
        RESIDENT_PHONE="1350004000" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        SCREENSHOT_DIR=str(tmp_path),
        **{name: str(path) for name, path in paths.items()},
    )
    result = subprocess.run(["node", "e2e/case.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
