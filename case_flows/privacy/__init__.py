"""Data subjects' rights: subject access (RODO art. 15, Act 843), retention policies, the
anonymiser and its daily job, erasure requests."""
