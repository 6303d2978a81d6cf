"""Fault tests: the app's real processes hurt on purpose (PostgreSQL backends ended, Redis killed or frozen, workers killed)."""

from tests.notifications.conftest import *  # noqa: F401,F403  (fake push, SMS and WeChat services, client, resident)
