"""A phone that loses its connection halfway through a photo upload, against a real app process."""

from __future__ import annotations

import json
import os
import socket
import time

from auth import service as identity
from auth import sessions
from tests.consents import agree
from tests.notifications.conftest import settings_env
from tests.stack import start_app

BOUNDARY = "yiwang-test-boundary"


def half_an_upload(token: str, size: int) -> bytes:
    """Request head and the first half of a multipart body whose Content-Length promises all of it."""
    part = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="id.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode()
    body = part + os.urandom(size) + f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (
        f"POST /api/v1/materials HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body[: len(body) // 2]


async def test_a_client_that_hangs_up_mid_upload_is_an_abort_not_a_500(settings, resources, tmp_path):
    person = await identity.create_person(name="王五", phone="13700000055", actor="test")
    await agree(person_id=person.id)
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(settings)
    env |= {"YIWANG_LOG_LEVEL": "INFO", "TMPDIR": str(spool)}  # the multipart parser spools big parts to TMPDIR
    app = start_app(env, tmp_path)
    try:
        # 3 MB: past the parser's 1 MB in-memory spool, so half of it is on disk when the line drops.
        with socket.create_connection(("127.0.0.1", app.port)) as conn:
            conn.sendall(half_an_upload(token, 3 * 1024 * 1024))
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while not [line for line in app.log_lines() if '"/api/v1/materials"' in line] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.stop()
    entries = [json.loads(line) for line in app.log_lines() if line.startswith("{")]
    requests = [e for e in entries if e["message"] == "request" and e.get("path") == "/api/v1/materials"]
    assert len(requests) == 1 and requests[0]["status"] == 499, requests  # nginx's "client closed request"
    assert not [e for e in entries if "exception" in e or e["level"] in ("error", "critical")], entries
    assert [e["level"] for e in entries if e["message"] == "client aborted the request"] == ["info"]
    assert "Traceback" not in app.log_path.read_text()
    assert list(spool.iterdir()) == []
    assert not settings.media_dir.exists() or list(settings.media_dir.rglob("*")) == []
