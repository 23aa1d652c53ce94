"""The form builder: an office administrator's pages for lookups, form definitions (a draft
edited by small forms, preview, publishing, version history) and which form each stage of a
case type uses. The rules of a definition live lower, in case_flows/formdefs."""
