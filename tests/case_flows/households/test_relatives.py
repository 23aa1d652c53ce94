"""A relative "in the same household" and the household: adding one puts them in the client's
household (recorded then if there is none), a member leaving clears the relation's flag, the
case page shows what the household says; the data migration does the same for old relations."""

import datetime
import importlib

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from case_flows.cases.services import person_link_relative
from case_flows.households import selectors, services
from case_flows.models import CaseEvent, Household, HouseholdMember, PersonRelation

from ...factories import make_person
from ...html_tree import parse
from .conftest import SINCE


def add_relative(client, w, **data):
    return client.post(reverse("case_relative_add", args=[w.case.pk]), data)


def household_column(body: str) -> dict[str, str]:
    """The case page's relatives table: name -> its "Household" cell."""
    rows = {}
    for row in parse(body).find_all("tr"):
        cells = [c.text.strip() for c in row.find_all("td")]
        if len(cells) == 4 and cells[3] in ("same household", "lives elsewhere"):
            rows[cells[0].split(" primary")[0].strip()] = cells[3]
    return rows


def test_a_relative_in_the_same_household_joins_it_created_at_the_clients_address(w, client):
    client.force_login(w.caseworker)
    assert selectors.household_of_case(w.case) is None
    response = add_relative(
        client,
        w,
        given_name="Ola",
        family_name="Nowak",
        relationship="child",
        sex="female",
        same_household="on",
    )
    assert response.status_code == 302
    household = selectors.household_of_case(w.case)
    assert household is not None and household.address == "ul. Lipowa 3"
    members = {m.person.given_name: m for m in selectors.household_members(household)}
    assert members["Anna"].relationship_to_head == "head"
    assert members["Ola"].relationship_to_head == "child"
    assert members["Ola"].from_date == timezone.localdate()
    actions = list(
        CaseEvent.objects.filter(case=w.case, kind="household")
        .order_by("pk")
        .values_list("transition", flat=True)
    )
    assert actions == ["household_created", "member_added"]
    # Someone living elsewhere is only a relation.
    add_relative(
        client, w, given_name="Piotr", family_name="Zieliński", relationship="parent", sex="male"
    )
    piotr = PersonRelation.objects.get(person=w.case.person, relative__given_name="Piotr")
    assert not piotr.same_household
    assert not HouseholdMember.objects.filter(person=piotr.relative).exists()
    # The case page: one truth, the household's.
    page = client.get(reverse("case_detail", args=[w.case.pk])).content.decode()
    assert household_column(page) == {
        "Jan Nowak": "lives elsewhere",  # flagged before, but not in the household
        "Ola Nowak": "same household",
        "Piotr Zieliński": "lives elsewhere",
    }


def test_linking_someone_registered_moves_them_in_and_the_flag_follows_a_move_out(w, client):
    household = services.household_create_for(case=w.case, actor=w.caseworker, from_date=SINCE)
    elsewhere = Household.objects.create(office=w.office, address="ul. Polna 1")
    grandma = make_person(w.office, "Zofia", "Nowak")
    HouseholdMember.objects.create(
        household=elsewhere, person=grandma, relationship_to_head="head", from_date=SINCE
    )
    client.force_login(w.caseworker)
    response = client.post(
        reverse("case_relative_add", args=[w.case.pk]),
        {"relative": grandma.pk, "relationship": "grandparent", "same_household": "on"},
    )
    assert response.status_code == 302
    member = HouseholdMember.objects.get(person=grandma, to_date__isnull=True)
    assert member.household == household and member.relationship_to_head == "grandparent"
    assert HouseholdMember.objects.get(household=elsewhere).to_date == (
        timezone.localdate() - datetime.timedelta(days=1)
    )
    relation = PersonRelation.objects.get(person=w.case.person, relative=grandma)
    assert relation.same_household
    services.member_move_out(
        case=w.case, member=member, actor=w.caseworker, to_date=timezone.localdate()
    )
    relation.refresh_from_db()
    assert not relation.same_household
    page = client.get(reverse("case_detail", args=[w.case.pk])).content.decode()
    assert household_column(page)["Zofia Nowak"] == "lives elsewhere"
    # Joining through the household page sets it again.
    services.member_add(
        case=w.case,
        household=household,
        actor=w.caseworker,
        person=w.spouse,
        relationship_to_head="spouse",
        from_date=SINCE,
    )
    assert PersonRelation.objects.get(person=w.case.person, relative=w.spouse).same_household


def test_the_migration_builds_households_for_relations_in_the_same_household(w):
    migration = importlib.import_module("case_flows.migrations.0030_households_from_relations")
    client = w.case.person  # Anna, with Jan flagged "same household" and no household
    child = make_person(w.office, "Ola", "Nowak")
    away = make_person(w.office, "Piotr", "Nowak")
    person_link_relative(actor=w.caseworker, person=client, relative=child, relationship="child")
    person_link_relative(
        actor=w.caseworker,
        person=client,
        relative=away,
        relationship="sibling",
        same_household=False,
    )
    # A relative whose own household was recorded takes their relative in.
    lone = make_person(w.office, "Ewa", "Lis", address="ul. Krótka 2")
    aunt = make_person(w.office, "Halina", "Lis")
    theirs = Household.objects.create(office=w.office, address="ul. Długa 9")
    HouseholdMember.objects.create(
        household=theirs, person=aunt, relationship_to_head="head", from_date=SINCE
    )
    person_link_relative(actor=w.caseworker, person=lone, relative=aunt, relationship="other")

    migration.households_from_relations(apps, None)
    migration.households_from_relations(apps, None)  # twice: nothing more

    household = selectors.household_of_case(w.case)
    assert household.address == "ul. Lipowa 3" and household.office == w.office
    members = {m.person.given_name: m.relationship_to_head for m in household.members.all()}
    assert members == {"Anna": "head", "Jan": "spouse", "Ola": "child"}
    assert not HouseholdMember.objects.filter(person=away).exists()
    assert HouseholdMember.objects.get(person=lone).household == theirs
    assert Household.objects.count() == 2
