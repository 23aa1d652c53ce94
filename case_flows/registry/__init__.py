"""The person registry: one person, one record (search before registering, identifiers)."""
