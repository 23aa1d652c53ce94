"""Data subjects' rights: subject access (RODO art. 15, Act 843) and the others."""
