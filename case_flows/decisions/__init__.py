"""Administrative decisions on a case: prepared by the caseworker, approved by a supervisor,
issued as a PDF with every element KPA art. 107 § 1 requires, delivered, then final after
the appeal period or appealed (docs/decisions.md).

Design: preparing and approving run as a short process of CaseFlow itself
(`start_decision -> prepare_decision -> approve_decision`), the way the overdue review and the
periodic case review already do, rather than as a flow of their own or an approval outside any
flow. The preparation is then an ordinary human task (the caseworker's inbox, its deadline,
claim/release/reassign, the "returned for revision" note) and the approval an ordinary
`Approval` of a new kind, `decision`, decided on the approvals page with the same
maker-checker rule (the requester never decides, an absent supervisor's go to the deputy)
and the office's approval rules. Nothing in the main case flow changes: a case may have
several decisions, each in its own process, while the case moves on.

What follows approval is not the flow's: issuing, delivery, the appeal and its answer are
steps of the decision's own status (services here, a 409 on an illegal or lost move). The
appeal period is an SLA clock on the decision (policy `appeal_period`, calendar days with
KPA art. 57); the sweep's step at its end marks the decision final (sla.py). An appeal pauses
that clock with the reason "waiting for the appeal body" until the answer is recorded.
Issuing stops the case's KPA decision deadline; when that deadline breaches, a KPA art. 36
notice is prepared as a draft for the caseworker to complete and send.
"""
