"""System status: the health probes, the beat jobs' last runs, the status page's figures and
the alerts to administrators (docs/operations.md, "Health and status")."""
