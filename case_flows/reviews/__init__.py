"""Periodic case reviews and follow-up schedules: services, selectors, forms."""
