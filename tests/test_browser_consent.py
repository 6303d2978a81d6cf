"""Issue 12 points 9 and 15 in a phone browser through nginx: agreeing to the 用户协议 and 隐私政策
before logging in, the separate ID-number consent, a new version asked again after it is
published (YIWANG_LEGAL_DIR and a restart of the app processes), and the SMS-code screen."""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta

from auth import consent
from tests.conftest import ROOT
from tests.journeys import journey_on
from tests.stack import start_app
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def _journey(site: Stack, tmp_path, phase: str, **env: str) -> None:
    result = subprocess.run(
        ["node", "e2e/consent.mjs"],
        cwd=ROOT / "pwa",
        env=dict(os.environ, BASE_URL=site.nginx.url, SMS_GATEWAY_URL=site.sms_url, PHASE=phase, SCREENSHOT_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, f"consent journey ({phase}) failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout


def _restart_apps(site: Stack, env: dict[str, str]) -> None:
    """Restart every app process on its port with ``env``, as a deployment does."""
    for i, app in enumerate(site.apps):
        app.stop()
        site.apps[i] = start_app(env, site.nginx.workdir, port=app.port)


@journey_on("postgres")
def test_consent_and_sms_code_journey_in_a_phone_browser(stack, tmp_path):  # noqa: F811 (the fixture)
    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    people = {"PHONE": "1350002000" + suffix, "ID_NUMBER": "330102198603150034" if suffix == "1" else "330102198603150042"}
    state = tmp_path / "session.json"
    _journey(stack, tmp_path, "first", STATE_PATH=str(state), **people)

    # Publish new versions of the privacy policy and the ID-number consent, as an operator does.
    current = consent.load().current("privacy").version
    new_version = (date.fromisoformat(current[:10]) + timedelta(days=1)).isoformat()
    legal = tmp_path / "legal"
    for document in ("privacy", "id_number"):
        (legal / document).mkdir(parents=True)
        text = (consent.REPOSITORY_DIR / document / f"{current}.md").read_text(encoding="utf-8")
        (legal / document / f"{new_version}.md").write_text(
            text + "\n## 本次更新\n\n- 增加了一项说明（测试用的新版本）。\n", encoding="utf-8"
        )
    original = stack.env
    _restart_apps(stack, dict(original, YIWANG_LEGAL_DIR=str(legal)))
    try:
        _journey(stack, tmp_path, "again", STATE_PATH=str(state), NEW_VERSION=new_version, **people)
    finally:
        _restart_apps(stack, original)
