"""The reusable workflow kernel: queues, inbox, approvals, SLA clocks and the escalation sweep."""
