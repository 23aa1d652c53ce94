"""Case types: what a category configures (need domains, approval rules), read and written."""
