"""Delivery backends for channels Django does not provide (SMS)."""
