"""Messages: the outbox, the in-app inbox, per-competition templates, sending."""
