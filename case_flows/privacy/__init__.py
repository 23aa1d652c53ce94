"""Retention and erasure: policies, the anonymiser, its daily job, erasure requests."""
