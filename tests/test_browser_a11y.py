"""适老化 and WCAG 2.2 AA on every screen of every role, normal and large-text (pwa/e2e/a11y.mjs through nginx)."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT
from tests.stack import YIWANG
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def test_every_screen_passes_axe_touch_targets_and_text_fit_in_both_text_sizes(stack: Stack, tmp_path):  # noqa: F811
    """axe-core (wcag2a/aa, 21a/aa, 22aa) finds nothing, no control under 44×44 px, no text out of its tag or button:
    as a visitor, a resident with a submitted case, a clerk and an administrator."""
    from tests.photos import photo

    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    password = "a11y-password-2026"
    # A clerk of the department and an administrator of their own (not the demo ones: other journeys on the
    # same Redis spend the demo phones' SMS budget).
    staff_phone, admin_phone = "1350006100" + suffix, "1350006400" + suffix
    for role, scope, name, phone in (("staff", "department:scjg", "钱窗口", staff_phone), ("admin", "", "孙管理", admin_phone)):
        scoped = ["--scope", scope] if scope else []
        subprocess.run(
            [YIWANG, "createuser", "--role", role, "--name", name, "--phone", phone, "--password-stdin", *scoped],
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
        RESIDENT_PHONE="1350006000" + suffix,
        VISITOR_PHONE="1350006200" + suffix,
        VISITOR_PHONE_LARGE="1350006300" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        ADMIN_PHONE=admin_phone,
        ADMIN_PASSWORD=password,
        PHOTO_PATH=str(photo_path),
        SCREENSHOT_DIR=os.environ.get("A11Y_SCREENSHOT_DIR") or str(tmp_path),  # set it to keep the screenshots
    )
    result = subprocess.run(["node", "e2e/a11y.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=600)
    print(result.stdout)  # the per-screen counts, shown with -s or on failure
    assert result.returncode == 0, f"accessibility check failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
