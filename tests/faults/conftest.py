"""Fault tests: real `yiwang serve` processes hurt on purpose while requests run."""

from tests.notifications.conftest import *  # noqa: F401,F403  (fake WeChat/SMS/Web Push, client, resident)
