"""Notifications: outbox, channels, dispatcher, live stream (issue 5). Imports only backend.kit of backend."""
