"""Performance harness: data generators and scenarios that write JSON results."""
