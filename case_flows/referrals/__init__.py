"""Referrals to service providers: services, selectors, forms, pages and the SLA handler."""
