"""The data protection officer's pages: the access log of their office, filtered, paged and
exported (docs/access-log.md). The rows themselves are written by case_flows.access_log."""
