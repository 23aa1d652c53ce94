"""In-app, e-mail and SMS notifications through an outbox."""
