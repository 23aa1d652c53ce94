"""Transfers of a case to another caseworker or office: services, selectors, forms, pages."""
