"""Maker-checker approvals: requests, decisions, routing around absence and self-approval."""
