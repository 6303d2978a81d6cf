"""Fault tests: the app's real processes hurt on purpose (killed workers, …), with the fake outside services."""

from tests.notifications.conftest import *  # noqa: F401,F403  (fake push, SMS and WeChat services, client, resident)
