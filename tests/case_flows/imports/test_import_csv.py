"""Our CSV template and XLSX: broken rows reported one by one, the good ones imported; a
person already registered is matched, not duplicated; the staff page's dry run and import."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import User
from case_flows.imports.mapping import mapping_for
from case_flows.imports.parsing import records_read
from case_flows.imports.services import caseload_import
from case_flows.models import Case, Person, Stage

from ...conftest import make_caseworker, make_child_welfare, make_manager, make_supervisor
from ...factories import make_office, make_person

HEADER = "case_id,given_name,family_name,sex,date_of_birth,national_id,category,risk,stage,"
HEADER += "opened_at,caseworker,relative_name,relative_relationship\n"
ROWS = [
    "C-1,Ama,Owusu,f,2012-03-14,,child_protection,high,assessment,2024-02-01,cw,Grace Owusu,parent",
    "C-2,Kofi,,m,2010-01-01,,child_protection,medium,intake,2024-02-01,,,",  # no family name
    "C-3,Yaw,Mensah,m,31/02/2010,,child_protection,low,intake,2024-02-01,,,",  # bad date
    "C-4,Efua,Darko,f,2011-05-30,,no_such_thing,low,intake,2024-02-01,,,",  # unknown category
    "C-5,Abena,Ofori,f,2013-02-28,,poverty,low,follow_up,2024-02-01,nobody,,",  # unknown worker
    "C-6,Kwesi,Amoah,m,2012-12-01,GHA-1,Child protection,medium,closed,2024-01-05,cw,,",
    "C-7,Adwoa,Boakye,f,2015-06-17,,child_protection,medium,intake,2024-03-01,,,",
]


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        office = make_office("BEK", name="Bekwai")
        supervisor = make_supervisor(office)
        team = make_child_welfare(office, supervisor)
        make_caseworker(office, team)
        manager = make_manager(office)
        existing = make_person(office, "Adwoa", "Boakye", date_of_birth=datetime.date(2015, 6, 17))
        data = (HEADER + "\n".join(ROWS) + "\n").encode()
        report = caseload_import(
            records=records_read(data, "csv"),
            office=office,
            actor=manager,
            mapping=mapping_for("csv"),
        )
        return {"office": office, "mgr": manager, "report": report, "existing": existing}


def test_broken_rows_are_reported_and_the_others_imported(db, world):
    by_ref = {r.external_ref: r for r in world["report"].results}
    assert [by_ref[f"C-{n}"].outcome for n in range(1, 8)] == [
        "created",
        "error",
        "error",
        "error",
        "error",
        "created",
        "matched",
    ]
    assert by_ref["C-2"].message == "The client's given and family names are required."
    assert "31/02/2010" in by_ref["C-3"].message
    assert "no_such_thing" in by_ref["C-4"].message
    assert "nobody" in by_ref["C-5"].message
    assert by_ref["C-2"].row == 3  # the spreadsheet's row number
    # nothing of a broken row was created: no Kofi, no Efua
    assert not Person.objects.filter(given_name__in=["Kofi", "Yaw", "Efua", "Abena"]).exists()
    assert Case.objects.get(external_ref="C-1").stage == Stage.ASSESSMENT
    assert Case.objects.get(external_ref="C-6").stage == Stage.CLOSED


def test_an_existing_person_is_matched_not_duplicated(db, world):
    case = Case.objects.get(external_ref="C-7")
    assert case.person_id == world["existing"].pk
    assert Person.objects.filter(given_name="Adwoa").count() == 1


def test_xlsx_reads_like_csv(db, world):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        ["X-1", "Akua", "Asante", "female", None, "", "gbv", "low", "intake", None, "", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = caseload_import(
        records=records_read(buffer.getvalue(), "xlsx"),
        office=world["office"],
        actor=world["mgr"],
        mapping=mapping_for("xlsx"),
    )
    assert report.counts["created"] == 1, report.results
    assert Case.objects.get(external_ref="X-1").person.given_name == "Akua"


def test_staff_page_dry_run_then_import(db, world, client):
    client.force_login(world["mgr"])
    url = reverse("caseload_import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO((HEADER + "N-1,Esi,Quaye,f,2016-08-23,,gbv,low,intake,,,,\n").encode())
    upload.name = "cases.csv"
    page = client.post(url, {"file": upload, "file_format": "csv"})
    body = page.content.decode()
    assert page.status_code == 200 and "Esi Quaye" in body and "Dry run" in body
    assert not Case.objects.filter(external_ref="N-1").exists()
    done = client.post(url, {"token": page.context["token"], "confirm": "1"})
    assert done.status_code == 200 and Case.objects.filter(external_ref="N-1").exists()


def test_staff_page_is_for_managers_only(db, world, client):
    cw = User.objects.get(username="cw")
    client.force_login(cw)
    assert client.get(reverse("caseload_import")).status_code == 403


def test_a_person_merged_since_is_matched_as_the_kept_record(db, world):
    """A file names a person whose record a supervisor has merged into another: the new case
    goes to the kept record, not to the alias."""
    alias = make_person(
        world["office"], "Kwabena", "Owusu", date_of_birth=datetime.date(2014, 4, 2)
    )
    kept = make_person(world["office"], "Kwabena", "Owusu-Ansah")
    Person.objects.filter(pk=alias.pk).update(merged_into=kept)
    data = (HEADER + "M-1,Kwabena,Owusu,m,2014-04-02,,child_protection,low,intake,,,,\n").encode()
    report = caseload_import(
        records=records_read(data, "csv"),
        office=world["office"],
        actor=world["mgr"],
        mapping=mapping_for("csv"),
    )
    assert report.counts["matched"] == 1, report.results
    assert Case.objects.get(external_ref="M-1").person_id == kept.pk
