"""Merging two records of one person: values chosen, cases, relations and the files about the
person moved, a timeline row on every case, the merged id an alias; refused for restricted
cases out of reach; undone by an administrator within the period; the office's candidate
duplicates."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.cases.access import case_restrict
from case_flows.cases.selectors import case_search
from case_flows.documents.services import attachment_create, attachment_delete
from case_flows.models import (
    Attachment,
    Case,
    CaseEvent,
    EventKind,
    IdentifierKind,
    Person,
    PersonMerge,
    PersonRelation,
)
from case_flows.registry import merge as merge_module
from case_flows.registry.duplicates import _pairs_python, duplicate_pairs, duplicates_page
from case_flows.registry.merge import people_merge, people_merge_undo
from case_flows.registry.selectors import (
    Search,
    person_candidates,
    person_for_registration,
    person_resolve,
)
from case_flows.timeline import events_redact
from case_flows.timeline_text import describe
from config.settings.base import attachments_storage
from tests.case_flows.documents.files import pdf_bytes
from tests.factories import category, make_person, make_team, make_user
from workflows.errors import Conflict, NotPermitted

PESEL = "44051401359"  # a valid PESEL (1944-05-14, male)


def _open(actor, person, office):
    return case_services.case_open(
        actor=actor,
        person=person,
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Concerns",
    )


@pytest.fixture(scope="module")
def world(module_office, module_supervisor, module_caseworker, django_db_blocker):
    with django_db_blocker.unblock():
        office, sup = module_office, module_supervisor
        pesel = IdentifierKind.objects.get(code="pesel")
        born = datetime.date(1944, 5, 14)
        kept = make_person(
            office, "Jan", "Nowak", date_of_birth=born, national_id=PESEL, national_id_kind=pesel
        )
        merged = make_person(
            office,
            "Janek",
            "Nowak",
            date_of_birth=born,
            national_id=PESEL,
            national_id_kind=pesel,
            phone="600100200",
            address="ul. Polna 1",
        )
        relative = make_person(office, "Maria", "Nowak")
        other_relative = make_person(office, "Piotr", "Nowak")
        # kept <- relative; merged <- relative (a duplicate once merged); kept <- merged
        # (the two were recorded as relatives of each other: it would point at itself).
        PersonRelation.objects.create(person=kept, relative=relative, relationship="parent")
        PersonRelation.objects.create(person=merged, relative=relative, relationship="parent")
        PersonRelation.objects.create(person=kept, relative=merged, relationship="sibling")
        PersonRelation.objects.create(person=merged, relative=other_relative, relationship="child")
        kept_case = _open(sup, kept, office)
        merged_case = _open(sup, merged, office)
        twin_a = make_person(office, "Kofi", "Annan", date_of_birth=datetime.date(1980, 1, 1))
        twin_b = make_person(office, "Kofi", "Annan", date_of_birth=datetime.date(1980, 1, 1))
        # Someone with a restricted case of another team: the supervisor is not on its list.
        other_sup = make_user(Role.SUPERVISOR, office, username="sup-other")
        other_team = make_team(office, supervisor=other_sup)
        secret = make_person(office, "Abena", "Asante", phone="0201112222")
        secret_twin = make_person(office, "Abena", "Asante", phone="0201112222")
        secret_case = _open(other_sup, secret, office)
        secret_case.team = other_team
        secret_case.save(update_fields=["team"])
        case_restrict(case=secret_case, actor=other_sup, reason="Domestic violence")
        admin = make_user(Role.ADMINISTRATOR, office, username="admin-merge")
        return {
            "kept": kept,
            "merged": merged,
            "relative": relative,
            "other_relative": other_relative,
            "kept_case": kept_case,
            "merged_case": merged_case,
            "twins": (twin_a, twin_b),
            "secret": (secret, secret_twin),
            "admin": admin,
            "supervisor": sup,
            "caseworker": module_caseworker,
        }


def _merge(world, **choices):
    return people_merge(
        actor=world["supervisor"],
        source=Person.objects.get(pk=world["merged"].pk),
        target=Person.objects.get(pk=world["kept"].pk),
        choices=choices,
    )


def test_merge_moves_cases_relations_and_tells_every_case(db, world):
    kept, merged = world["kept"], world["merged"]
    merge = _merge(world, given_name="target", phone="source", address="source")
    target = Person.objects.get(pk=kept.pk)
    assert (target.given_name, target.phone, target.address) == ("Jan", "600100200", "ul. Polna 1")
    assert target.phone_digits == "600100200" and target.version == kept.version + 1
    assert Person.objects.get(pk=merged.pk).merged_into_id == kept.pk
    assert set(Case.objects.filter(person=target).values_list("pk", flat=True)) == {
        world["kept_case"].pk,
        world["merged_case"].pk,
    }
    # Relations: the duplicate and the self-pointing one dropped, the other moved.
    pairs = set(PersonRelation.objects.values_list("person_id", "relative_id"))
    assert (kept.pk, world["relative"].pk) in pairs
    assert (kept.pk, world["other_relative"].pk) in pairs
    assert not any(merged.pk in pair for pair in pairs)
    assert len(merge.moved["relations_dropped"]) == 2
    events = CaseEvent.objects.filter(kind=EventKind.MERGED)
    assert sorted(e.case_id for e in events) == sorted(
        [world["kept_case"].pk, world["merged_case"].pk]
    )
    assert events[0].data["changes"] == {
        "phone": ["", "600100200"],
        "address": ["", "ul. Polna 1"],
    }
    (told,) = describe([events[0]])
    assert told.what == "Client records merged" and "Phone: — → 600100200" in told.detail


def _attach(actor, case, person, name):
    return attachment_create(
        actor=actor,
        case=case,
        person=person,
        kind="identity",
        file=SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf"),
        name=name,
    )


def test_merge_moves_the_files_about_the_merged_record_and_undo_moves_them_back(
    db, world, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "attachments": attachments_storage("", tmp_path)}
    sup, kept, merged = world["supervisor"], world["kept"], world["merged"]
    merged_case = Case.objects.get(pk=world["merged_case"].pk)
    kept_case = Case.objects.get(pk=world["kept_case"].pk)
    # About the merged record: on its own case (the client), and on the kept record's case
    # (where it is recorded as a relative); a deleted one too. And two that stay put.
    id_card = _attach(sup, merged_case, merged, "id-card.pdf")
    as_relative = _attach(sup, kept_case, merged, "sibling.pdf")
    deleted = _attach(sup, merged_case, merged, "wrong.pdf")
    attachment_delete(actor=sup, attachment=deleted, reason="Wrong person")
    about_kept = _attach(sup, kept_case, kept, "kept.pdf")
    about_nobody = _attach(sup, merged_case, None, "case.pdf")
    moved = {id_card.pk, as_relative.pk, deleted.pk}

    merge = _merge(world)
    about = dict(Attachment.objects.values_list("pk", "person_id"))
    assert {pk for pk, person in about.items() if person == kept.pk} == moved | {about_kept.pk}
    assert about[about_nobody.pk] is None
    assert not Attachment.objects.filter(person=merged).exists()
    assert sorted(merge.moved["attachments"]) == sorted(moved)
    # Still on their cases (the cases moved with the person), still downloadable there.
    assert Attachment.objects.get(pk=id_card.pk).case_id == merged_case.pk

    people_merge_undo(actor=world["admin"], merge=merge)
    about = dict(Attachment.objects.values_list("pk", "person_id"))
    assert {pk for pk, person in about.items() if person == merged.pk} == moved
    assert about[about_kept.pk] == kept.pk and about[about_nobody.pk] is None


def test_a_merge_that_fails_late_moves_no_file(db, world, settings, tmp_path, monkeypatch):
    """The move is in the merge's transaction: a failure after it (here, writing the
    timeline) leaves every file about the merged record where it was."""
    settings.STORAGES = {**settings.STORAGES, "attachments": attachments_storage("", tmp_path)}
    merged_case = Case.objects.get(pk=world["merged_case"].pk)
    id_card = _attach(world["supervisor"], merged_case, world["merged"], "id-card.pdf")

    def broken(*args, **kwargs):
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(merge_module.timeline, "people_merged", broken)
    with pytest.raises(RuntimeError):
        _merge(world)
    assert Attachment.objects.get(pk=id_card.pk).person_id == world["merged"].pk
    assert not PersonMerge.objects.exists()


def test_the_merged_id_is_an_alias_and_never_a_candidate(db, world):
    _merge(world, given_name="source")
    kept, merged = world["kept"], world["merged"]
    assert person_resolve(merged.pk).pk == kept.pk
    found = person_candidates(world["supervisor"], Search(national_id=PESEL))
    assert [c.person.pk for c in found] == [kept.pk]
    by_name = person_candidates(
        world["supervisor"], Search(given_name="Janek", family_name="Nowak")
    )
    assert merged.pk not in [c.person.pk for c in by_name]
    assert {c.person_id for c in case_search(world["supervisor"], "Nowak")} == {kept.pk}
    # A registration link naming the old id (?person=) opens the kept record.
    assert person_for_registration(world["supervisor"], merged.pk).pk == kept.pk


def test_a_second_merge_of_the_same_pair_is_a_conflict(db, world):
    _merge(world)
    with pytest.raises(Conflict):
        _merge(world)


def test_only_supervisors_merge(db, world):
    with pytest.raises(NotPermitted):
        people_merge(
            actor=world["caseworker"],
            source=world["merged"],
            target=world["kept"],
            choices={},
        )
    assert Person.objects.get(pk=world["merged"].pk).merged_into_id is None


def test_a_restricted_case_out_of_reach_refuses_the_merge(db, world):
    secret, twin = world["secret"]
    with pytest.raises(NotPermitted, match="restricted case"):
        people_merge(actor=world["supervisor"], source=twin, target=secret, choices={})
    assert Person.objects.get(pk=twin.pk).merged_into_id is None


def test_undo_within_the_period_restores_everything(db, world):
    kept, merged = world["kept"], world["merged"]
    relations_before = set(
        PersonRelation.objects.values_list("person_id", "relative_id", "relationship")
    )
    merge = _merge(world, given_name="source", phone="source")
    with pytest.raises(NotPermitted):
        people_merge_undo(actor=world["supervisor"], merge=merge)
    people_merge_undo(actor=world["admin"], merge=merge)
    target = Person.objects.get(pk=kept.pk)
    assert (target.given_name, target.phone, target.phone_digits) == ("Jan", "", "")
    assert Person.objects.get(pk=merged.pk).merged_into_id is None
    assert Case.objects.get(pk=world["merged_case"].pk).person_id == merged.pk
    assert (
        set(PersonRelation.objects.values_list("person_id", "relative_id", "relationship"))
        == relations_before
    )
    assert CaseEvent.objects.filter(kind=EventKind.MERGE_UNDONE).count() == 2
    with pytest.raises(Conflict):
        people_merge_undo(actor=world["admin"], merge=PersonMerge.objects.get(pk=merge.pk))


@override_settings(PERSON_MERGE_UNDO_DAYS=30)
def test_undo_is_refused_after_the_period_or_after_a_later_merge(db, world, time_machine):
    merge = _merge(world)
    twin_a, twin_b = world["twins"]
    later = people_merge(actor=world["supervisor"], source=twin_b, target=world["kept"], choices={})
    with pytest.raises(Conflict, match="merged again"):
        people_merge_undo(actor=world["admin"], merge=merge)
    people_merge_undo(actor=world["admin"], merge=later)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    with pytest.raises(Conflict, match="30 days"):
        people_merge_undo(actor=world["admin"], merge=PersonMerge.objects.get(pk=merge.pk))


def test_duplicates_list_finds_the_pesel_and_name_twins(db, world, django_assert_max_num_queries):
    office = world["kept"].office
    pairs = {(p.first_id, p.second_id): p.reasons for p in duplicate_pairs(office.pk)}
    kept, merged = world["kept"], world["merged"]
    assert "same national ID" in pairs[(kept.pk, merged.pk)]
    twin_a, twin_b = world["twins"]
    assert set(pairs[(twin_a.pk, twin_b.pk)]) == {"same name", "same date of birth"}
    with django_assert_max_num_queries(2):
        page = duplicates_page(office.pk, 1)
        assert all(pair.first and pair.second for pair in page.object_list)
    # A merged record is no longer a candidate.
    _merge(world)
    assert (kept.pk, merged.pk) not in {
        (p.first_id, p.second_id) for p in duplicate_pairs(office.pk)
    }


def test_duplicates_list_compares_phones_as_national_numbers(db, world):
    """ "+48 601 234 567" and "601-234-567" are one number: a pair, on PostgreSQL and in the
    Python path of the SQLite demo alike; a different number is not."""
    office = world["kept"].office
    typed = make_person(office, "Zofia", "Lis", phone="+48 601 234 567")
    written = make_person(office, "Wanda", "Kos", phone="601-234-567")
    abroad = make_person(office, "Ewa", "Bak", phone="0048 601 234 567")
    other = make_person(office, "Anna", "Ryba", phone="+48 601 234 568")
    for pairs in (duplicate_pairs(office.pk), _pairs_python(office.pk)):
        found = {(p.first_id, p.second_id): p.reasons for p in pairs}
        assert found[(typed.pk, written.pk)] == ["same phone"]
        assert found[(typed.pk, abroad.pk)] == ["same phone"]
        assert not any(other.pk in key for key in found)


def test_the_pages_list_and_merge(db, client, world, django_assert_max_num_queries):
    client.force_login(world["supervisor"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("people_duplicates"))
    assert response.status_code == 200
    merge_url = reverse("person_merge", args=[world["merged"].pk, world["kept"].pk])
    assert merge_url in response.content.decode()
    page = client.get(merge_url)
    assert page.status_code == 200 and "600100200" in page.content.decode()
    # Not confirmed: nothing merged.
    assert client.post(merge_url, {"phone": "source"}).status_code == 200
    assert Person.objects.get(pk=world["merged"].pk).merged_into_id is None
    response = client.post(merge_url, {"phone": "source", "address": "target", "confirm": "on"})
    assert response.status_code == 302
    assert Person.objects.get(pk=world["kept"].pk).phone == "600100200"
    assert Person.objects.get(pk=world["kept"].pk).address == ""
    # Once merged, the page says so with a 409.
    assert client.get(merge_url).status_code == 409
    secret, twin = world["secret"]
    refused = client.get(reverse("person_merge", args=[twin.pk, secret.pk]))
    assert refused.status_code == 403 and "restricted case" in refused.content.decode()


def test_redaction_keeps_which_fields_a_merge_changed_not_their_values(db, world):
    _merge(world, phone="source")
    case = Case.objects.get(pk=world["kept_case"].pk)
    events_redact(case)
    event = CaseEvent.objects.get(case=case, kind=EventKind.MERGED)
    assert event.data["changes"] == {"phone": ["[redacted]", "[redacted]"]}
    assert event.data["target"] == world["kept"].pk


def test_anonymising_the_kept_record_scrubs_its_alias_and_the_snapshot(db, world):
    from case_flows.privacy.services import _person_scrub  # the anonymiser's own step

    merge = _merge(world)
    _person_scrub(Person.objects.get(pk=world["kept"].pk), timezone.now())
    alias = Person.objects.get(pk=world["merged"].pk)
    assert alias.anonymised_at is not None and alias.phone == "" and alias.national_id == ""
    assert PersonMerge.objects.get(pk=merge.pk).values_before == {}
    with pytest.raises(Conflict, match="anonymised"):
        people_merge_undo(actor=world["admin"], merge=PersonMerge.objects.get(pk=merge.pk))
