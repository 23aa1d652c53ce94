"""Demo data for `make run` and the browser tests: offices' providers and cases driven through the
real services at past times (seed.py), off the request path."""
