"""Finding cases by their configured answers: the fields a published version marks
`"searchable": true`, matched against the search text inside the case list's own query.

What matches: a choice (or multiple choice) whose code, or label in any language, equals the
text (case-insensitive), and a text field whose whole answer equals the text as typed. Every
test is `answers @> {...}`, served by the records' GIN (jsonb_path_ops) indexes (migration
0028); a substring match (icontains) could not use them and would read every record.

The searchable fields are read from the published versions in the same SQL (a subquery,
not a query of their own), so publishing a version makes its fields searchable at once and
the case list keeps its query count. PostgreSQL only (jsonb); elsewhere nothing matches.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from ..models import (
    Assessment,
    CasePlan,
    Closure,
    FollowUp,
    FormDefinition,
    FormVersion,
    FormVersionStatus,
    Intake,
)

# The stage records and the definition stage whose answers each holds.
RECORDS = (
    (Intake, "intake"),
    (Assessment, "assessment"),
    (CasePlan, "plan"),
    (FollowUp, "follow_up"),
    (Closure, "closure"),
)

# The answers that would match the text, as jsonb documents per stage: `answers @> doc`.
_WANTED = """
WITH fields AS (
    SELECT d.stage, f AS spec, v.lookups
    FROM {version} v
    JOIN {definition} d ON d.id = v.definition_id,
    jsonb_array_elements(COALESCE(v.content->'sections', '[]'::jsonb)) s,
    jsonb_array_elements(COALESCE(s->'fields', '[]'::jsonb)) f
    WHERE v.status = %s AND f->'searchable' = 'true'::jsonb
),
wanted AS (
    SELECT stage, jsonb_build_object(spec->>'key', to_jsonb(%s::text)) AS doc
    FROM fields
    WHERE spec->>'type' IN ('text', 'textarea')
    UNION
    SELECT stage, jsonb_build_object(
        spec->>'key',
        CASE WHEN spec->>'type' = 'multichoice' THEN jsonb_build_array(val->'code')
             ELSE val->'code' END
    )
    FROM fields,
    jsonb_array_elements(COALESCE(lookups->(spec->>'lookup'), '[]'::jsonb)) val
    WHERE spec->>'type' IN ('choice', 'multichoice')
      AND (
        lower(val->>'code') = lower(%s)
        OR EXISTS (
            SELECT 1 FROM jsonb_each_text(COALESCE(val->'labels', '{{}}'::jsonb)) l
            WHERE lower(l.value) = lower(%s)
        )
      )
)
"""


def answers_match_q(query: str, case_field: str = "pk") -> Q:
    """A condition on cases: one of the case's stage records has a searchable answer equal
    to `query` (any episode's record: a client is found by what was ever recorded)."""
    query = (query or "").strip()
    if not query or connection.vendor != "postgresql":
        return Q(pk__in=[])
    wanted = _WANTED.format(
        version=FormVersion._meta.db_table, definition=FormDefinition._meta.db_table
    )
    parts = [
        f"SELECT r.case_id FROM {model._meta.db_table} r WHERE r.answers @> ANY("
        f"ARRAY(SELECT doc FROM wanted WHERE stage = '{stage}'))"
        for model, stage in RECORDS
    ]
    sql = wanted + " UNION ALL ".join(parts)
    params = [FormVersionStatus.PUBLISHED.value, query, query, query]
    return Q(**{f"{case_field}__in": RawSQL(sql, params)})
