"""The bodies of the case flow's nodes (steps) and what happens around its tasks (hooks):
CaseFlow itself stays in case_flows/flows.py, whose dotted path every process row stores."""
