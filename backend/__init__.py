"""Yiwang (一网): the Starlette app and the government-service domains."""
