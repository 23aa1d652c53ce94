"""Test data built the way the app builds it."""

import itertools

from accounts.models import Jurisdiction, Office, Role, Team, User
from accounts.roles import ensure_role_groups

_seq = itertools.count(1)


def make_office(code: str | None = None, **kwargs) -> Office:
    n = next(_seq)
    defaults = {
        "name": f"Office {n}",
        "jurisdiction": Jurisdiction.GHANA,
        "timezone": "Africa/Accra",
    }
    defaults.update(kwargs)
    return Office.objects.create(code=code or f"T{n:03d}", **defaults)


def make_team(office: Office, supervisor: User | None = None, name: str | None = None) -> Team:
    team = Team.objects.create(
        office=office, name=name or f"Team {next(_seq)}", supervisor=supervisor
    )
    if supervisor:
        team.members.add(supervisor)
    return team


def make_user(
    role: str | None = Role.CASEWORKER,
    office: Office | None = None,
    team: Team | None = None,
    username: str | None = None,
    **kwargs,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_seq)}",
        password="pass-Word-123",
        home_office=office,
        **kwargs,
    )
    if role:
        user.groups.add(ensure_role_groups()[role])
    if team is not None:
        team.members.add(user)
    return user


def make_person(office: Office, given="Ama", family="Owusu", **kwargs):
    from case_flows.cases.services import person_create

    return person_create(actor=None, office=office, given_name=given, family_name=family, **kwargs)


def need_domains():
    """The seeded need domains (transactional tests flush what the migrations seeded)."""
    from case_flows.models import NEED_DOMAINS, NeedDomain

    if not NeedDomain.objects.exists():
        NeedDomain.objects.bulk_create(
            NeedDomain(code=code, labels={"en": str(label)}, order=n * 10)
            for n, (code, label) in enumerate(NEED_DOMAINS, start=1)
        )
    return list(NeedDomain.objects.all())


def category(code="child_protection"):
    from case_flows.models import Category

    # get_or_create: transactional tests flush the categories seeded by migration.
    return Category.objects.get_or_create(code=code, defaults={"name": code.replace("_", " ")})[0]
