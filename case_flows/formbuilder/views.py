"""The form builder's pages: lookups, form definitions (the draft editor, publishing, new
drafts, copies, version history), the preview and the case types grid.

Who: CHANGE_FORMDEFINITION (administrators), for their office; a superuser or national
administrator chooses the office (`?office=`) and also edits the global definitions and
lookups. Anyone else gets 403; another office's definition or lookup is 404. Every edit of a
draft is one small POST that changes its content through form_draft_save and redirects back;
a refused or invalid edit shows the editor again with the message, nothing changed (400).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.models import Office

from ..formdefs.content import CORE_FIELDS, json_schema, top_fields
from ..formdefs.layout import core_label
from ..formdefs.runtime import ConfiguredForm
from ..formdefs.selectors import lookups_for
from ..formdefs.services import (
    FormDefinitionError,
    case_type_form_set,
    form_definition_create,
    form_definition_rename,
    form_draft_open,
    form_draft_save,
    form_publish,
    lookup_save,
    version_problems,
)
from ..models import (
    Category,
    FormDefinition,
    FormStage,
    FormVersion,
    FormVersionStatus,
    Lookup,
)
from ..models.formdefs import translated
from ..permissions import may_configure_case_types
from . import editing, rules, selectors
from .forms import (
    TYPE_LABELS,
    CaseTypeForm,
    DefinitionCreateForm,
    DefinitionRenameForm,
    FieldAddForm,
    FieldEditForm,
    LookupForm,
    LookupValueFormSet,
    SectionForm,
    labels_from,
    labels_initial,
)

# --- who may, which office ----------------------------------------------------------------------


def office_or_404(request) -> Office:
    if not rules.may_build_forms(request.user):
        raise PermissionDenied(_("Only the office's administrators build forms."))
    office = rules.builder_office_for(request.user, request.GET.get("office"))
    if office is None:
        raise Http404(_("No such office, or not one whose forms you build."))
    return office


def office_query(office: Office, user) -> str:
    return f"?office={office.pk}" if rules.may_edit_global(user) else ""


def _offices_choice(user) -> list[Office]:
    if not rules.may_edit_global(user):
        return []
    return list(rules.builder_offices(user).order_by("name"))


def _base_context(request, office: Office, current: str) -> dict:
    return {
        "office": office,
        "offices": _offices_choice(request.user),
        "office_query": office_query(office, request.user),
        "current": current,
    }


def _definition_or_404(request, definition_id: int) -> tuple[FormDefinition, Office]:
    office = office_or_404(request)
    definition = FormDefinition.objects.select_related("office").filter(pk=definition_id).first()
    if definition is None or definition.office_id not in (None, office.pk):
        raise Http404(_("No such form in your office."))
    return definition, office


def _require_edit(request, owner_office_id: int | None, office: Office) -> None:
    if not rules.may_edit(request.user, owner_office_id, office):
        raise PermissionDenied(
            _("A form or lookup of every office is edited by a national administrator only.")
        )


def _editor_url(definition: FormDefinition, office: Office, user, anchor: str = "") -> str:
    url = reverse("formbuilder_form", args=[definition.pk]) + office_query(office, user)
    return url + (f"#{anchor}" if anchor else "")


# --- lookups ------------------------------------------------------------------------------------


@login_required
def lookup_list(request):
    office = office_or_404(request)
    lookups = list(selectors.lookups_of(office))
    for lookup in lookups:
        lookup.editable = rules.may_edit(request.user, lookup.office_id, office)
    return render(
        request,
        "case_flows/formdefs/lookups.html",
        {**_base_context(request, office, "lookups"), "lookups": lookups},
    )


def _lookup_or_404(request, lookup_id: int | None, office: Office) -> Lookup | None:
    if lookup_id is None:
        return None
    lookup = Lookup.objects.filter(pk=lookup_id).first()
    if lookup is None or lookup.office_id not in (None, office.pk):
        raise Http404(_("No such lookup in your office."))
    return lookup


@login_required
def lookup_edit(request, lookup_id: int | None = None):
    office = office_or_404(request)
    lookup = _lookup_or_404(request, lookup_id, office)
    editable = rules.may_edit(request.user, lookup.office_id if lookup else office.pk, office)
    if request.method == "POST" and not editable:
        _require_edit(request, lookup.office_id if lookup else office.pk, office)
    values = list(lookup.values.order_by("order", "code")) if lookup else []
    initial_values = [
        {
            "code": v.code,
            "offered": v.is_active,
            "order": n + 1,
            **labels_initial(v.labels, "label"),
        }
        for n, v in enumerate(values)
    ]
    data = request.POST if request.method == "POST" else None
    form = LookupForm(
        data,
        new=lookup is None,
        initial=labels_initial(lookup.labels, "name") if lookup else None,
    )
    formset = LookupValueFormSet(data, initial=initial_values, prefix="values")
    if data is not None and form.is_valid() & formset.is_valid():
        owner = lookup.office if lookup else office
        key = lookup.key if lookup else form.cleaned_data["key"]
        if lookup is None and Lookup.objects.filter(office=owner, key=key).exists():
            form.add_error("key", _("A lookup with this key exists already."))
        else:
            try:
                saved = lookup_save(
                    actor=request.user,
                    office=owner,
                    key=key,
                    labels=labels_from(form.cleaned_data, "name"),
                    values=formset.values(),  # type: ignore[attr-defined]
                )
            except FormDefinitionError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, _("The lookup “%(name)s” is saved.") % {"name": saved})
                return redirect(reverse("formbuilder_lookups") + office_query(office, request.user))
    return render(
        request,
        "case_flows/formdefs/lookup_edit.html",
        {
            **_base_context(request, office, "lookups"),
            "lookup": lookup,
            "form": form,
            "formset": formset,
            "editable": editable,
        },
        status=400 if data is not None else 200,
    )


# --- definitions: list, create, copy ------------------------------------------------------------


@login_required
def definition_list(request):
    office = office_or_404(request)
    return render(
        request,
        "case_flows/formdefs/forms.html",
        {
            **_base_context(request, office, "forms"),
            "stages": selectors.definitions_by_stage(office),
        },
    )


def _starting_content(stage: str) -> dict:
    """A new definition starts with one section holding the stage's built-in fields."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = _("Main part")
    return {
        "sections": [
            {
                "key": "main",
                "label": labels,
                "fields": [{"key": k, "type": "core"} for k in CORE_FIELDS[stage]],
            }
        ]
    }


@login_required
def definition_new(request):
    office = office_or_404(request)
    data = request.POST if request.method == "POST" else None
    form = DefinitionCreateForm(data, may_make_global=rules.may_edit_global(request.user))
    if data is not None and form.is_valid():
        every = form.cleaned_data.get("every_office")
        try:
            definition = form_definition_create(
                actor=request.user,
                office=None if every else office,
                key=form.cleaned_data["key"],
                labels=labels_from(form.cleaned_data, "name"),
                stage=form.cleaned_data["stage"],
                content=_starting_content(form.cleaned_data["stage"]),
            )
        except FormDefinitionError as exc:
            for problem in exc.problems:
                form.add_error("key", problem)
        else:
            messages.success(
                request, _("The form is created: its draft is version 1. Add its fields.")
            )
            return redirect(_editor_url(definition, office, request.user))
    return render(
        request,
        "case_flows/formdefs/form_new.html",
        {**_base_context(request, office, "forms"), "form": form},
        status=400 if data is not None else 200,
    )


@login_required
@require_POST
def definition_copy(request, definition_id: int):
    """A global definition copied to the office: a new office-owned definition whose draft
    (version 1) is the newest content of the original."""
    definition, office = _definition_or_404(request, definition_id)
    latest = FormVersion.objects.filter(definition=definition).order_by("-number").first()
    try:
        copy = form_definition_create(
            actor=request.user,
            office=office,
            key=definition.key,
            labels=definition.labels,
            stage=definition.stage,
            content=latest.content if latest else None,
            is_draft_template=definition.is_draft_template,
        )
    except FormDefinitionError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect(_editor_url(definition, office, request.user))
    messages.success(
        request, _("The form is copied to your office as a draft: change it and publish it.")
    )
    return redirect(_editor_url(copy, office, request.user))


# --- the editor ---------------------------------------------------------------------------------


def _lookup_choices(definition: FormDefinition) -> list[tuple[str, str]]:
    scope = Lookup.objects.filter(office__isnull=True)
    if definition.office_id is not None:
        scope = Lookup.objects.filter(office_id__in=[definition.office_id]) | scope
    seen: dict[str, str] = {}
    for lookup in scope.order_by("-office_id", "key"):
        seen.setdefault(lookup.key, f"{translated(lookup.labels, lookup.key)} ({lookup.key})")
    return sorted(seen.items())


def _field_rows(version: FormVersion) -> list[dict]:
    """The sections of a version as the editor lists them."""
    out = []
    stage = version.definition.stage
    for section in version.content.get("sections") or []:
        fields = []
        for spec in section.get("fields") or []:
            key, kind = spec.get("key", ""), spec.get("type")
            row = {
                "ref": key,
                "key": key,
                "spec": spec,
                "is_core": kind == "core",
                "label": core_label(stage, key)
                if kind == "core"
                else translated(spec.get("label"), key),
                "type": TYPE_LABELS.get(kind, _("Built-in")),
                "subs": [],
            }
            if kind == "group":
                row["subs"] = [
                    {
                        "ref": f"{key}.{sub.get('key', '')}",
                        "key": sub.get("key", ""),
                        "spec": sub,
                        "label": translated(sub.get("label"), sub.get("key", "")),
                        "type": TYPE_LABELS.get(sub.get("type") or "", sub.get("type")),
                    }
                    for sub in spec.get("fields") or []
                ]
            fields.append(row)
        out.append(
            {
                "key": section.get("key", ""),
                "label": translated(section.get("label"), section.get("key", "")),
                "labels": section.get("label") or {},
                "fields": fields,
            }
        )
    return out


def _missing_core(version: FormVersion) -> list[tuple[str, str]]:
    stage = version.definition.stage
    present = editing.top_keys(version.content)
    return [(k, core_label(stage, k)) for k in CORE_FIELDS.get(stage, ()) if k not in present]


def _draft_of(definition: FormDefinition) -> FormVersion | None:
    return FormVersion.objects.filter(definition=definition, status=FormVersionStatus.DRAFT).first()


def _render_editor(request, definition, office, *, bound: dict | None = None, error="", status=200):
    bound = bound or {}
    versions = selectors.versions_of(definition)
    draft = next((v for v in versions if v.status == FormVersionStatus.DRAFT), None)
    shown = draft or (versions[0] if versions else None)
    editable = rules.may_edit(request.user, definition.office_id, office)
    context = {
        **_base_context(request, office, "forms"),
        "definition": definition,
        "versions": versions,
        "draft": draft,
        "shown": shown,
        "latest_published": next(
            (v for v in versions if v.status == FormVersionStatus.PUBLISHED), None
        ),
        "editable": editable,
        "error": error,
        "publish_problems": bound.get("publish_problems"),
        "bound_forms": {k: v for k, v in bound.items() if k != "publish_problems" and v},
    }
    if editable:
        context["rename_form"] = bound.get("rename_form") or DefinitionRenameForm(
            prefix="rename-form", initial=labels_initial(definition.labels, "name")
        )
    if shown is not None:
        shown.definition = definition
        context["sections"] = _field_rows(shown)
    if draft is not None and editable:
        lookups = _lookup_choices(definition)
        context["problems"] = version_problems(draft)
        context["missing_core"] = _missing_core(draft)
        context["section_add"] = bound.get("section_add") or SectionForm(prefix="new-section")
        for section in context["sections"]:
            key = section["key"]
            section["rename_form"] = bound.get(f"rename-{key}") or SectionForm(
                prefix=f"rename-{key}",
                new=False,
                initial=labels_initial(section["labels"], "label"),
            )
            section["add_form"] = bound.get(f"add-{key}") or FieldAddForm(
                prefix=f"add-{key}", lookups=lookups
            )
            for field in section["fields"]:
                if field["spec"].get("type") == "group":
                    field["add_form"] = bound.get(f"add-{field['key']}-sub") or FieldAddForm(
                        prefix=f"add-{field['key']}-sub", lookups=lookups, in_group=True
                    )
    return render(request, "case_flows/formdefs/form_edit.html", context, status=status)


@login_required
def definition_edit(request, definition_id: int):
    definition, office = _definition_or_404(request, definition_id)
    return _render_editor(request, definition, office)


def _change_draft(
    request,
    definition_id: int,
    change: Callable[[dict, FormDefinition], dict],
    *,
    bound_name: str = "",
    bound_form=None,
    anchor: str = "",
):
    """Apply one edit to the definition's draft and redirect back to the editor; a refused
    edit shows the editor again with its message (and the form as typed), nothing changed."""
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    error = ""
    with transaction.atomic():
        draft = (
            FormVersion.objects.select_for_update()
            .filter(definition=definition, status=FormVersionStatus.DRAFT)
            .first()
        )
        if draft is None:
            error = _("This form has no draft: open a new draft first.")
        else:
            try:
                content = change(draft.content or {"sections": []}, definition)
            except editing.EditError as exc:
                if bound_form is not None and exc.field in bound_form.fields:
                    bound_form.add_error(exc.field, exc.message)
                else:
                    error = exc.message
            else:
                form_draft_save(actor=request.user, version=draft, content=content)
                messages.success(request, _("The draft is saved."))
                return HttpResponseRedirect(_editor_url(definition, office, request.user, anchor))
    bound = {bound_name: bound_form} if bound_name else {}
    return _render_editor(request, definition, office, bound=bound, error=error, status=400)


def _invalid(request, definition_id: int, name: str, form):
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    return _render_editor(request, definition, office, bound={name: form}, status=400)


@login_required
@require_POST
def section_add(request, definition_id: int):
    form = SectionForm(request.POST, prefix="new-section")
    if not form.is_valid():
        return _invalid(request, definition_id, "section_add", form)
    key, label = form.cleaned_data["key"], labels_from(form.cleaned_data, "label")
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.section_add(content, key=key, label=label),
        bound_name="section_add",
        bound_form=form,
        anchor=f"section-{key}",
    )


@login_required
@require_POST
def definition_rename(request, definition_id: int):
    """The form's name per language: kept by every version, draft or published."""
    form = DefinitionRenameForm(request.POST, prefix="rename-form")
    if not form.is_valid():
        return _invalid(request, definition_id, "rename_form", form)
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    form_definition_rename(
        actor=request.user, definition=definition, labels=labels_from(form.cleaned_data, "name")
    )
    messages.success(request, _("The form's name is saved."))
    return redirect(_editor_url(definition, office, request.user))


@login_required
@require_POST
def section_rename(request, definition_id: int, section: str):
    name = f"rename-{section}"
    form = SectionForm(request.POST, prefix=name, new=False)
    if not form.is_valid():
        return _invalid(request, definition_id, name, form)
    label = labels_from(form.cleaned_data, "label")
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.section_rename(content, key=section, label=label),
        anchor=f"section-{section}",
    )


@login_required
@require_POST
def section_move(request, definition_id: int, section: str):
    up = request.POST.get("direction") == "up"
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.section_move(content, key=section, up=up),
        anchor=f"section-{section}",
    )


@login_required
@require_POST
def section_delete(request, definition_id: int, section: str):
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.section_delete(content, key=section),
    )


@login_required
@require_POST
def field_add(request, definition_id: int, section: str):
    group = request.POST.get("group", "")
    name = f"add-{group}-sub" if group else f"add-{section}"
    definition, _office = _definition_or_404(request, definition_id)
    form = FieldAddForm(
        request.POST, prefix=name, lookups=_lookup_choices(definition), in_group=bool(group)
    )
    if not form.is_valid():
        return _invalid(request, definition_id, name, form)
    spec = form.spec()
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.field_add(content, section=section, field=spec, group=group),
        bound_name=name,
        bound_form=form,
        anchor=f"field-{group + '.' if group else ''}{spec['key']}",
    )


@login_required
@require_POST
def core_restore(request, definition_id: int, section: str):
    key = request.POST.get("key", "")

    def change(content, definition):
        if key not in CORE_FIELDS.get(definition.stage, ()):
            raise editing.EditError(_("This is not a built-in field of this stage."))
        return editing.core_restore(content, section=section, key=key)

    return _change_draft(request, definition_id, change, anchor=f"field-{key}")


@login_required
@require_POST
def field_move(request, definition_id: int, ref: str):
    up = request.POST.get("direction") == "up"
    return _change_draft(
        request,
        definition_id,
        lambda content, _d: editing.field_move(content, ref=ref, up=up),
        anchor=f"field-{ref}",
    )


@login_required
@require_POST
def field_delete(request, definition_id: int, ref: str):
    return _change_draft(
        request, definition_id, lambda content, _d: editing.field_delete(content, ref=ref)
    )


@login_required
def field_edit(request, definition_id: int, ref: str):
    """One field's settings, on a page of its own (label and help per language, required,
    searchable, lookup, conditions, ranges, pattern)."""
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    draft = _draft_of(definition)
    if draft is None:
        messages.error(request, _("This form has no draft: open a new draft first."))
        return redirect(_editor_url(definition, office, request.user))
    try:
        spec = editing.field_at(draft.content, ref)
    except editing.EditError as exc:
        raise Http404(exc.message) from exc
    if spec.get("type") == "core":
        messages.error(
            request, _("A built-in field is edited in the code, not here; it can be moved.")
        )
        return redirect(_editor_url(definition, office, request.user))
    data = request.POST if request.method == "POST" else None
    form = FieldEditForm(
        data,
        spec=spec,
        top=top_fields(draft.content),
        lookups=_lookup_choices(definition),
        in_group="." in ref,
    )
    if data is not None and form.is_valid():
        changes, removed = form.changes()
        response = _change_draft(
            request,
            definition_id,
            lambda content, _d: editing.field_update(
                content, ref=ref, changes=changes, removed=removed
            ),
            anchor=f"field-{ref}",
        )
        if response.status_code == 302:
            return response
    return render(
        request,
        "case_flows/formdefs/field_edit.html",
        {
            **_base_context(request, office, "forms"),
            "definition": definition,
            "draft": draft,
            "ref": ref,
            "spec": spec,
            "field_label": translated(spec.get("label"), spec.get("key", "")),
            "type_label": TYPE_LABELS.get(spec.get("type") or "", spec.get("type")),
            "form": form,
        },
        status=400 if data is not None else 200,
    )


# --- versions: publish, new draft ---------------------------------------------------------------


@login_required
@require_POST
def definition_publish(request, definition_id: int):
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    draft = _draft_of(definition)
    if draft is None:
        messages.error(request, _("This form has no draft to publish."))
        return redirect(_editor_url(definition, office, request.user))
    try:
        version = form_publish(actor=request.user, version=draft)
    except FormDefinitionError as exc:
        return _render_editor(
            request, definition, office, bound={"publish_problems": exc.problems}, status=400
        )
    messages.success(
        request,
        _(
            "Version %(n)s is published: new records will use version %(n)s; records already "
            "written keep the version they were written with."
        )
        % {"n": version.number},
    )
    return redirect(_editor_url(definition, office, request.user))


@login_required
@require_POST
def definition_draft_open(request, definition_id: int):
    definition, office = _definition_or_404(request, definition_id)
    _require_edit(request, definition.office_id, office)
    draft = form_draft_open(actor=request.user, definition=definition)
    messages.success(
        request,
        _("Version %(n)s is a draft now: edit it, then publish it.") % {"n": draft.number},
    )
    return redirect(_editor_url(definition, office, request.user))


# --- preview ------------------------------------------------------------------------------------

FORM_CONTENT_ERRORS = (KeyError, ValueError, TypeError, AttributeError, re.error)


def _preview_version(request, definition: FormDefinition) -> FormVersion:
    versions = FormVersion.objects.filter(definition=definition)
    number = request.GET.get("version", "")
    if number.isdigit():
        version = versions.filter(number=int(number)).first()
    else:
        version = (
            versions.filter(status=FormVersionStatus.DRAFT).first()
            or versions.order_by("-number").first()
        )
    if version is None:
        raise Http404(_("No such version of this form."))
    version.definition = definition
    if version.status == FormVersionStatus.DRAFT:
        # A draft has no frozen lookups nor schema yet: those it would have if published now.
        version.lookups = lookups_for(definition.office)
        if not version_problems(version):
            version.json_schema = json_schema(version.content, version.lookups)
    return version


def _preview_form(request, version: FormVersion):
    """The caseworker's form (bound to a POST: "try it", nothing is saved), or None when the
    draft is too broken to show."""
    data = request.POST if request.method == "POST" else None
    try:
        form = ConfiguredForm(data, version=version)
        if data is not None:
            form.is_valid()
    except FORM_CONTENT_ERRORS:
        return None
    return form


def _preview_context(request, definition_id: int) -> dict:
    definition, office = _definition_or_404(request, definition_id)
    version = _preview_version(request, definition)
    form = _preview_form(request, version)
    query = office_query(office, request.user)
    version_query = f"version={version.number}"
    return {
        **_base_context(request, office, "forms"),
        "definition": definition,
        "version": version,
        "configured_form": form,
        "problems": version_problems(version) if version.status == "draft" else [],
        "bare_url": reverse("formbuilder_preview_bare", args=[definition.pk])
        + (query + "&" if query else "?")
        + version_query,
        "phone": request.GET.get("phone") == "1",
        "version_query": version_query,
    }


@login_required
def definition_preview(request, definition_id: int):
    context = _preview_context(request, definition_id)
    form = context["configured_form"]
    if request.method == "POST" and form is not None and form.is_valid():
        messages.success(request, _("These answers would be accepted (a preview saves nothing)."))
    return render(request, "case_flows/formdefs/preview.html", context)


@login_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # type: ignore[arg-type]  # framed by the site itself (the phone-width frame)
def definition_preview_bare(request, definition_id: int):
    """The preview alone, for the phone-width frame of the preview page."""
    return render(
        request, "case_flows/formdefs/preview_bare.html", _preview_context(request, definition_id)
    )


# --- case types ---------------------------------------------------------------------------------


def _choices_by_stage(office: Office) -> dict[str, list]:
    definitions = list(FormDefinition.objects.filter(Q(office__isnull=True) | Q(office=office)))
    out: dict[str, list] = {}
    for stage, _label in FormStage.choices:
        out[stage] = [("", _("As the more general choice"))] + [
            (
                str(d.pk),
                f"{d} ({d.key})" if d.office_id else _("%(name)s (every office)") % {"name": d},
            )
            for d in sorted(definitions, key=lambda d: (str(d), d.pk))
            if d.stage == stage
        ]
    return out


def _case_type_save(request, office: Office, choices) -> tuple[int | None, CaseTypeForm | None]:
    """Save one row (a category, or every category); (its id, the form) when refused."""
    category_id = request.POST.get("category", "")
    category = None
    if category_id:
        category = None
        if category_id.isdigit():  # a tampered id is no category, not an error
            category = Category.offered_to(office).filter(pk=int(category_id)).first()
        if category is None:
            raise Http404(_("No such category in your office's country."))
    row_id = category.pk if category else None
    form = CaseTypeForm(request.POST, choices_by_stage=choices, auto_id=f"ct{row_id or 0}_%s")
    if not form.is_valid():
        return row_id, form
    try:
        with transaction.atomic():
            for stage, _label in FormStage.choices:
                chosen = form.cleaned_data[stage]
                case_type_form_set(
                    actor=request.user,
                    office=office,
                    category=category,
                    stage=stage,
                    definition=FormDefinition.objects.filter(pk=chosen).first() if chosen else None,
                )
    except FormDefinitionError as exc:
        for problem in exc.problems:
            form.add_error(None, problem)
        return row_id, form
    return row_id, None


@login_required
def case_types(request):
    """Per category (and every category) of the office's country, the form each stage uses;
    with the office's approval rules and deadline policies, read-only."""
    office = office_or_404(request)
    choices = _choices_by_stage(office)
    refused: tuple[int | None, CaseTypeForm] | None = None
    if request.method == "POST":
        row_id, form = _case_type_save(request, office, choices)
        if form is None:
            messages.success(request, _("The forms of this case type are saved."))
            return redirect(reverse("formbuilder_case_types") + office_query(office, request.user))
        refused = (row_id, form)
    rows = selectors.case_type_rows(office)
    for row in rows:
        row_id = row["category"].pk if row["category"] else None
        if refused and refused[0] == row_id:
            row["form"] = refused[1]
            continue
        row["form"] = CaseTypeForm(
            choices_by_stage=choices,
            initial={
                cell["stage"]: str(cell["own"].definition_id) if cell["own"] else ""
                for cell in row["cells"]
            },
            auto_id=f"ct{row_id or 0}_%s",
        )
    return render(
        request,
        "case_flows/formdefs/case_types.html",
        {
            **_base_context(request, office, "case_types"),
            "rows": rows,
            "approval_rules": selectors.approval_rules_of(office),
            "sla_policies": selectors.sla_policies_of(office),
            "admin_links": request.user.is_staff,
            "case_type_links": may_configure_case_types(request.user),
        },
        status=400 if refused else 200,
    )
