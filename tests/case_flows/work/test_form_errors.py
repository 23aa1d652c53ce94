"""The error summary's items: every error of a page's forms and formsets, each with the id
of the element its link reaches (the first option of a radio group)."""

from django import forms

from case_flows.templatetags.form_errors import error_summary_items
from case_flows.work.forms import PlanActionFormSet, PlanForm


class _Choice(forms.Form):
    answer = forms.ChoiceField(
        label="Answer", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    token = forms.CharField(widget=forms.HiddenInput)


def test_unbound_forms_have_no_items():
    assert error_summary_items(PlanForm(), PlanActionFormSet(prefix="actions"), None) == []


def test_items_cover_forms_formsets_and_dicts_in_order():
    data = {
        "goals": "",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Enrol at school",
        "actions-0-responsible": "",
        "actions-0-target_date": "",
    }
    page = {"form": PlanForm(data), "formset": PlanActionFormSet(data, prefix="actions")}
    items = error_summary_items(page)
    assert items[0]["target"] == "id_goals" and items[0]["label"] == "Goals"
    # The action's rule is a form-level error of that row: listed, with no field to reach.
    assert any("Each action needs" in str(item["message"]) for item in items)


def test_radio_groups_link_to_their_first_option_and_hidden_fields_to_nothing():
    items = error_summary_items(_Choice({}))
    targets = {item["label"]: item["target"] for item in items}
    assert targets == {"Answer": "id_answer_0", "Token": ""}
