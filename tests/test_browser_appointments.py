"""Hall appointments in phone browsers through nginx (issue 13, "API and PWA", "At the hall"): a
resident books a time (hall, bookable day, slot with places left, confirm within the hold) and sees
the QR code and the code; a clerk of the hall checks the appointment in by reading the QR code
from a photo and by typing the code, calls the ticket to a window and marks it served, and the
resident's page follows the ticket (called to the window, then served); the public board shows
the call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.journeys import create_staff, db_suffix, journey_on, run_journey
from tests.stack import start_app, start_nginx
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401

# Bookings start on the next working day and a ticket is issued at check-in (from an hour before the
# slot): the journey's apps accept check-ins up to three weeks early, so that today's browser can
# check in the booking it just made. Nothing else differs from the shared stack.
EARLY_CHECK_IN_MINUTES = str(21 * 24 * 60)


@pytest.fixture(scope="module")
def hall_stack(stack: Stack, pwa_dist, tmp_path_factory) -> Iterator[Stack]:  # noqa: F811
    workdir = tmp_path_factory.mktemp("hall-stack")
    env = dict(stack.env, YIWANG_CHECKIN_EARLY_MINUTES=EARLY_CHECK_IN_MINUTES)
    apps = [start_app(env, workdir), start_app(env, workdir)]
    try:
        nginx = start_nginx(upstreams=[a.port for a in apps], root=pwa_dist, workdir=workdir)
    except Exception:
        for a in apps:
            a.stop()
        raise
    yield Stack(nginx, apps, env, stack.sms_url, stack.push_url)
    nginx.stop()
    for a in apps:
        a.stop()


@journey_on("postgres")
def test_book_show_qr_check_in_call_and_serve_in_two_phone_browsers(hall_stack: Stack, stack: Stack, tmp_path):  # noqa: F811
    suffix = db_suffix(stack)
    clerk_phone, password = "1350007100" + suffix, "hall-clerk-2026"
    create_staff(hall_stack, role="staff", scope="hall:1", name="吴窗口", phone=clerk_phone, password=password)
    run_journey(
        "appointments.mjs",
        hall_stack,
        tmp_path,
        timeout=420,
        CLERK_PHONE=clerk_phone,
        CLERK_PASSWORD=password,
        RESIDENT_PHONE="1350007000" + suffix,
    )
