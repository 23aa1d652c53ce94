"""Demo offices, teams and users (every password is "demo")."""

from django.conf import settings
from django.db import transaction

from .models import Jurisdiction, Office, Region, Role, Team, User
from .roles import ensure_role_groups

OFFICES = [
    {
        "code": "BEK",
        "name": "Bekwai Municipal Social Welfare and Community Development",
        "jurisdiction": Jurisdiction.GHANA,
        "timezone": "Africa/Accra",
        "default_language": "en",
        "region": "Ashanti",
        "team": "Child and Family Welfare",
    },
    {
        "code": "SOC",
        "name": "Miejski Ośrodek Pomocy Społecznej w Sochaczewie",
        "jurisdiction": Jurisdiction.POLAND,
        "timezone": "Europe/Warsaw",
        "default_language": "pl",
        "region": "Mazowieckie",
        "team": "Zespół pracy socjalnej",
    },
]

# username, first, last, office code, role, language, team role ("member"/"supervisor"/None)
USERS = [
    ("caseworker", "Akosua", "Mensah", "BEK", Role.CASEWORKER, "en", "member"),
    ("caseworker2", "Kwabena", "Owusu", "BEK", Role.CASEWORKER, "en", "member"),
    ("supervisor", "Abena", "Asante", "BEK", Role.SUPERVISOR, "en", "supervisor"),
    ("manager", "Kofi", "Boateng", "BEK", Role.MANAGER, "en", None),
    ("pracownik", "Agnieszka", "Wiśniewska", "SOC", Role.CASEWORKER, "pl", "member"),
    ("koordynator", "Tomasz", "Żółkiewski", "SOC", Role.SUPERVISOR, "pl", "supervisor"),
    ("kierownik", "Małgorzata", "Kowalczyk", "SOC", Role.MANAGER, "pl", None),
    # Data protection officers: the access log of their office (inspektor ochrony danych).
    ("dpo", "Efua", "Quaye", "BEK", Role.DATA_PROTECTION_OFFICER, "en", None),
    ("iod", "Joanna", "Zielińska", "SOC", Role.DATA_PROTECTION_OFFICER, "pl", None),
    # Office administrators: forms, lookups, case types, document templates, categories.
    ("officeadmin", "Yaw", "Darko", "BEK", Role.ADMINISTRATOR, "en", None),
    ("administrator", "Piotr", "Nowak", "SOC", Role.ADMINISTRATOR, "pl", None),
]


def refuse_in_production() -> None:
    if settings.REFUSE_DEMO_PASSWORDS:
        raise RuntimeError("Demo data (password 'demo') is refused under production settings.")


@transaction.atomic
def seed_accounts(stdout=None) -> dict[str, int]:
    """Create the demo offices, teams and users; running it again changes nothing."""
    refuse_in_production()
    groups = ensure_role_groups()
    created = {"offices": 0, "users": 0}
    offices = {}
    for spec in OFFICES:
        region, _ = Region.objects.get_or_create(
            name=spec["region"], jurisdiction=spec["jurisdiction"]
        )
        office, was_created = Office.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "jurisdiction": spec["jurisdiction"],
                "timezone": spec["timezone"],
                "default_language": spec["default_language"],
                "region": region,
            },
        )
        created["offices"] += was_created
        team, _ = Team.objects.get_or_create(office=office, name=spec["team"])
        offices[spec["code"]] = (office, team)

    for username, first, last, code, role, language, team_role in USERS:
        office, team = offices[code]
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "home_office": office,
                "preferred_language": language,
            },
        )
        if was_created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created["users"] += 1
        user.groups.add(groups[role])
        if team_role == "member":
            team.members.add(user)
        elif team_role == "supervisor" and team.supervisor_id is None:
            team.supervisor = user
            team.save(update_fields=["supervisor"])
            team.members.add(user)

    admin, was_created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "System",
            "last_name": "Administrator",
            "email": "admin@example.org",
            "is_staff": True,
            "is_superuser": True,
            "is_national": True,
        },
    )
    if was_created:
        admin.set_password(settings.DEMO_PASSWORD)
        admin.save(update_fields=["password"])
        created["users"] += 1
    admin.groups.add(groups[Role.ADMINISTRATOR])
    return created
