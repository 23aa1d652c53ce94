"""Metrics, request ids in logs, and optional error reporting (docs/operations.md, "Metrics and
logs"). Nothing here imports an app: every app may import the metrics it counts."""
