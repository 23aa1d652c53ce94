"""Finding cases by their configured answers: the fields a published version marks
`"searchable": true`, matched against the search text inside the case list's own query.

What matches: a choice (or multiple choice) whose code, or label in any language, equals the
text (case-insensitive), and a text field whose whole answer equals the text as typed. Every
test is `answers @> {...}`, served by the records' GIN (jsonb_path_ops) indexes (migration
0028); a substring match (icontains) could not use them and would read every record.

The searchable fields are read from the published versions in the same SQL (a subquery,
not a query of their own), so publishing a version makes its fields searchable at once and
the case list keeps its query count.

Elsewhere (SQLite under `make run`) the same matches are built in Python: one query reads the
published versions' searchable fields, then each becomes a test on the answer's text
(`KT("answers__<key>")`, JSON1): equal to the text (text fields), equal to a matching code
(choice), or holding the quoted code (multiple choice). No index serves it; fine for a
developer's database.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.lookups import Contains, Exact

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


def answers_match_q(query: str, case_field: str = "pk", vendor: str | None = None) -> Q:
    """A condition on cases: one of the case's stage records has a searchable answer equal
    to `query` (any episode's record: a client is found by what was ever recorded).

    `vendor` (default: the connection's) picks the jsonb path on PostgreSQL, else the
    portable one (tests evaluate the portable one on PostgreSQL too)."""
    query = (query or "").strip()
    if not query:
        return Q(pk__in=[])
    if (vendor or connection.vendor) != "postgresql":
        return _portable_q(query, case_field)
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


def _portable_q(query: str, case_field: str) -> Q:
    """The same matches without jsonb: the searchable fields read in Python, each a test on
    the answer's text."""
    wanted: dict[str, Q] = {}
    versions = FormVersion.objects.filter(status=FormVersionStatus.PUBLISHED).values_list(
        "definition__stage", "content", "lookups"
    )
    for stage, content, lookups in versions:
        for section in (content or {}).get("sections") or []:
            for spec in section.get("fields") or []:
                test = _field_test(spec, lookups or {}, query)
                if test is not None:
                    wanted[stage] = wanted.get(stage, Q(pk__in=[])) | test
    condition = Q(pk__in=[])
    for model, stage in RECORDS:
        if stage in wanted:
            ids = model.objects.filter(wanted[stage]).values("case_id")
            condition |= Q(**{f"{case_field}__in": ids})
    return condition


def _field_test(spec: dict, lookups: dict, query: str) -> Q | None:
    """A searchable field's answer matching `query` (None: the field cannot match)."""
    if spec.get("searchable") is not True or not spec.get("key"):
        return None
    answer = KT(f"answers__{spec['key']}")
    kind = spec.get("type")
    if kind in ("text", "textarea"):
        return Q(Exact(answer, query))
    if kind not in ("choice", "multichoice"):
        return None
    lowered = query.lower()
    codes = [
        str(value.get("code"))
        for value in lookups.get(spec.get("lookup"), [])
        if str(value.get("code", "")).lower() == lowered
        or any(str(label).lower() == lowered for label in (value.get("labels") or {}).values())
    ]
    if not codes:
        return None
    test = Q(pk__in=[])
    for code in codes:
        if kind == "choice":
            test |= Q(Exact(answer, code))
        else:  # a list of codes: its JSON text holds the quoted code
            test |= Q(Contains(answer, f'"{code}"'))
    return test
