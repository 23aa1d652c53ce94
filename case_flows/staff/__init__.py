"""The office's staff pages: the list, invitations, a person's page (details, roles, teams,
absence and deputy, hand-over of open work, deactivation) and the account audit trail.

They live here, in the case app, because they compose services of every layer: accounts
(accounts.staff), the workflow kernel (workflows.handover, workflows.approvals) and the cases
a leaving person held (case_flows.handover); accounts may import none of those."""
