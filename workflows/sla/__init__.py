"""The SLA engine: policies, business calendars, clocks, pauses and the escalation sweep."""
