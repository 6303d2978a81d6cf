"""Domain-free plumbing shared by backend, auth and notifications."""
