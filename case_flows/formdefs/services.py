"""Writing form definitions, lookups and versions: a draft is edited freely; publishing checks
it (definition_problems), freezes the lookups' values and the JSON Schema into the version,
and from then on it never changes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Office, User

from ..models import (
    CaseTypeForm,
    Category,
    FormDefinition,
    FormVersion,
    FormVersionStatus,
    Lookup,
    LookupValue,
)
from .content import default_languages, definition_problems, json_schema
from .selectors import lookups_for


class FormDefinitionError(Exception):
    """A definition that cannot be published, or an edit that is not allowed; `problems`
    are the messages to show, each one fixable by the administrator."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@transaction.atomic
def form_definition_create(
    *,
    actor: User,
    office: Office | None,
    key: str,
    labels: dict,
    stage: str,
    content: dict | None = None,
    is_draft_template: bool = False,
) -> FormDefinition:
    """A new definition with its first draft (version 1)."""
    if FormDefinition.objects.filter(office=office, key=key).exists():
        raise FormDefinitionError(
            [_("A form with the key “%(key)s” exists already.") % {"key": key}]
        )
    definition = FormDefinition.objects.create(
        office=office, key=key, labels=labels, stage=stage, is_draft_template=is_draft_template
    )
    FormVersion.objects.create(
        definition=definition, number=1, content=content or {"sections": []}, created_by=actor
    )
    return definition


def form_definition_rename(*, actor: User, definition: FormDefinition, labels: dict) -> None:
    """The form's name per language (not part of a version: every version shows it)."""
    definition.labels = labels
    definition.save(update_fields=["labels"])


@transaction.atomic
def form_draft_open(*, actor: User, definition: FormDefinition) -> FormVersion:
    """The definition's draft: the one being edited, or a new one copied from the newest
    published version."""
    FormDefinition.objects.select_for_update().filter(pk=definition.pk).first()
    draft = FormVersion.objects.filter(
        definition=definition, status=FormVersionStatus.DRAFT
    ).first()
    if draft is not None:
        return draft
    latest = FormVersion.objects.filter(definition=definition).order_by("-number").first()
    return FormVersion.objects.create(
        definition=definition,
        number=(latest.number + 1) if latest else 1,
        content=latest.content if latest else {"sections": []},
        created_by=actor,
    )


@transaction.atomic
def form_draft_save(*, actor: User, version: FormVersion, content: dict) -> FormVersion:
    """Store a draft's content as it is (problems are shown, and stop only publishing)."""
    locked = FormVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != FormVersionStatus.DRAFT:
        raise FormDefinitionError([_("A published version cannot change: open a new draft.")])
    locked.content = content
    locked.save(update_fields=["content"])
    return locked


def version_problems(version: FormVersion) -> list[str]:
    definition = version.definition
    return definition_problems(
        version.content,
        stage=definition.stage,
        lookups=lookups_for(definition.office),
        languages=default_languages(definition.office),
    )


@transaction.atomic
def form_publish(*, actor: User, version: FormVersion) -> FormVersion:
    """Publish a draft: from now on new records use it; records written with an earlier
    version keep it."""
    locked = FormVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    if locked.status != FormVersionStatus.DRAFT:
        raise FormDefinitionError([_("This version is published already.")])
    problems = version_problems(locked)
    if problems:
        raise FormDefinitionError(problems)
    lookups = lookups_for(locked.definition.office)
    used = {
        f.get("lookup")
        for s in locked.content.get("sections") or []
        for top in s.get("fields") or []
        for f in [top, *(top.get("fields") or [])]
        if f.get("lookup")
    }
    locked.lookups = {key: lookups[key] for key in used if key in lookups}
    locked.json_schema = json_schema(locked.content, locked.lookups)
    locked.status = FormVersionStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.save(update_fields=["lookups", "json_schema", "status", "published_at", "published_by"])
    return locked


@transaction.atomic
def lookup_save(
    *, actor: User, office: Office | None, key: str, labels: dict, values: list[dict]
) -> Lookup:
    """Create or replace a lookup's values ([{code, labels, active}], in order). A value is
    never deleted: one left out stops being offered, and records that chose it still show it.
    Published versions keep the values they were published with."""
    problems = []
    codes = [v.get("code") or "" for v in values]
    if len(set(codes)) != len(codes):
        problems.append(_("Two values have the same code."))
    if not any(v.get("active", True) for v in values):
        problems.append(_("A lookup needs at least one value offered."))
    if problems:
        raise FormDefinitionError(problems)
    lookup, _created = Lookup.objects.get_or_create(
        office=office, key=key, defaults={"labels": labels}
    )
    lookup.labels = labels
    lookup.save(update_fields=["labels"])
    existing = {v.code: v for v in lookup.values.all()}
    for order, value in enumerate(values):
        row = existing.pop(value["code"], None) or LookupValue(lookup=lookup, code=value["code"])
        row.labels = value.get("labels") or {}
        row.order = order
        row.is_active = value.get("active", True)
        row.save()
    LookupValue.objects.filter(pk__in=[v.pk for v in existing.values()]).update(is_active=False)
    return lookup


@transaction.atomic
def case_type_form_set(
    *,
    actor: User,
    office: Office | None,
    category: Category | None,
    stage: str,
    definition: FormDefinition | None,
) -> None:
    """Which form a stage of a case type uses (None: back to the more general choice)."""
    if definition is not None and definition.stage != stage:
        raise FormDefinitionError([_("This form is for another stage.")])
    if definition is not None and definition.office_id not in (None, getattr(office, "pk", None)):
        raise FormDefinitionError([_("This form belongs to another office.")])
    rows = CaseTypeForm.objects.filter(office=office, category=category, stage=stage)
    if definition is None:
        rows.delete()
        return
    updated = rows.update(definition=definition)
    if not updated:
        CaseTypeForm.objects.create(
            office=office, category=category, stage=stage, definition=definition
        )
