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


def test_the_same_error_on_two_rows_says_which_row():
    data = {
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Enrol at school",
        "actions-0-responsible": "Caseworker",
        "actions-0-target_date": "",
        "actions-1-description": "",
        "actions-1-responsible": "",
        "actions-1-target_date": "",
        "actions-2-description": "Visit the family",
        "actions-2-responsible": "",
        "actions-2-target_date": "",
    }
    items = error_summary_items(PlanActionFormSet(data, prefix="actions"))
    rule = [item["label"] for item in items if "Each action needs" in str(item["message"])]
    assert rule == ["Action 1", "Action 3"]


def test_a_rows_field_error_names_the_row_and_the_field_in_the_summary():
    from django.template.loader import render_to_string

    from case_flows.households.forms import IncomeFormSet

    data = {
        "incomes-TOTAL_FORMS": "2",
        "incomes-INITIAL_FORMS": "0",
        "incomes-0-amount": "abc",
        "incomes-1-amount": "-5",
    }
    data |= {"incomes-0-source": "wages", "incomes-1-source": "wages"}
    formset = IncomeFormSet(data, prefix="incomes", form_kwargs={"members": []})
    html = render_to_string("_error_summary.html", {"items": error_summary_items(formset)})
    assert "Income 1 – Amount: " in html and "Income 2 – Amount: " in html
