"""适老化 and WCAG 2.2 AA on every screen of every role, normal and large-text (pwa/e2e/a11y.mjs through nginx)."""

from __future__ import annotations

import os
import subprocess

from backend.demo import DEMO_PASSWORD, DEMO_PEOPLE
from tests.conftest import ROOT
from tests.stack import YIWANG
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def test_every_screen_passes_axe_touch_targets_and_text_fit_in_both_text_sizes(stack: Stack, tmp_path):  # noqa: F811
    """axe-core (wcag2a/aa, 21a/aa, 22aa) finds nothing, no control under 44×44 px, no text out of its tag or button:
    as a visitor, a resident with a submitted case, a clerk and the demo administrator."""
    from tests.photos import photo

    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    staff_phone, password = "1350006100" + suffix, "clerk-password-2026"
    subprocess.run(
        [YIWANG, "createuser", "--role", "staff", "--scope", "department:scjg", "--name", "钱窗口", "--phone", staff_phone]
        + ["--password-stdin"],
        env=stack.env,
        cwd=ROOT,
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    admin = next(p for p in DEMO_PEOPLE if p["role"] == "admin")
    photo_path = tmp_path / "id_card.jpg"
    photo_path.write_bytes(photo(1600, 1200))
    env = dict(
        os.environ,
        BASE_URL=stack.nginx.url,
        SMS_GATEWAY_URL=stack.sms_url,
        RESIDENT_PHONE="1350006000" + suffix,
        VISITOR_PHONE="1350006200" + suffix,
        VISITOR_PHONE_LARGE="1350006300" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        ADMIN_PHONE=admin["phone"],
        ADMIN_PASSWORD=DEMO_PASSWORD,
        PHOTO_PATH=str(photo_path),
        SCREENSHOT_DIR=os.environ.get("A11Y_SCREENSHOT_DIR") or str(tmp_path),  # set it to keep the screenshots
    )
    result = subprocess.run(["node", "e2e/a11y.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=600)
    print(result.stdout)  # the per-screen counts, shown with -s or on failure
    assert result.returncode == 0, f"accessibility check failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
