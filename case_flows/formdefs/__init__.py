"""Configured forms: definitions, lookups and versions an administrator edits and publishes;
the task pages show them and the stage records keep their answers."""
