"""Identity: persons, channels, sessions and roles (统一身份认证). Imports only backend.kit of backend."""
