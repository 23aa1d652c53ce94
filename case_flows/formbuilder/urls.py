"""URLs of the form builder (included by case_flows.urls under /form-builder/)."""

from django.urls import path

from . import views

D = "<int:definition_id>/"
S = D + "sections/<slug:section>/"
F = D + "fields/<str:ref>/"

urlpatterns = [
    path("", views.definition_list, name="formbuilder_forms"),
    path("new/", views.definition_new, name="formbuilder_form_new"),
    path(D, views.definition_edit, name="formbuilder_form"),
    path(D + "rename/", views.definition_rename, name="formbuilder_form_rename"),
    path(D + "copy/", views.definition_copy, name="formbuilder_form_copy"),
    path(D + "draft/", views.definition_draft_open, name="formbuilder_draft_open"),
    path(D + "publish/", views.definition_publish, name="formbuilder_publish"),
    path(D + "preview/", views.definition_preview, name="formbuilder_preview"),
    path(D + "preview/bare/", views.definition_preview_bare, name="formbuilder_preview_bare"),
    path(D + "sections/add/", views.section_add, name="formbuilder_section_add"),
    path(S + "rename/", views.section_rename, name="formbuilder_section_rename"),
    path(S + "move/", views.section_move, name="formbuilder_section_move"),
    path(S + "delete/", views.section_delete, name="formbuilder_section_delete"),
    path(S + "fields/add/", views.field_add, name="formbuilder_field_add"),
    path(S + "built-in/", views.core_restore, name="formbuilder_core_restore"),
    path(F, views.field_edit, name="formbuilder_field"),
    path(F + "move/", views.field_move, name="formbuilder_field_move"),
    path(F + "delete/", views.field_delete, name="formbuilder_field_delete"),
    path("lookups/", views.lookup_list, name="formbuilder_lookups"),
    path("lookups/new/", views.lookup_edit, name="formbuilder_lookup_new"),
    path("lookups/<int:lookup_id>/", views.lookup_edit, name="formbuilder_lookup"),
    path("case-types/", views.case_types, name="formbuilder_case_types"),
]
