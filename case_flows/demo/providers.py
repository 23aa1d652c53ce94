"""The demo's service providers, and the referral each demo case makes to one of them."""

from django.conf import settings

from accounts.models import Office, Role, User
from accounts.roles import ensure_role_groups

from ..models import ServiceProvider
from .names import TEXTS


def demo_referral(rng, providers, texts=None) -> dict:
    """A referral to one of the office's providers: two in three to a provider that answers
    in the app (so its staff, the `provider` and `dostawca` logins, have work waiting)."""
    texts = texts or TEXTS["en"]
    internal = [p for p in providers if p.is_internal]
    if internal and rng.random() < 2 / 3:
        provider = rng.choice(internal)
    elif providers:
        provider = rng.choice(providers)
    else:
        return {
            "service_type": rng.choice(texts["services"]),
            "provider_name": rng.choice(texts["providers"]),
            "consent_recorded": True,
        }
    return {
        "service_type": rng.choice(provider.service_list() or [provider.name]),
        "provider": provider,
        "consent_recorded": True,
    }


PROVIDERS = {
    "BEK": [
        (
            "Bekwai Municipal Hospital, social work unit",
            "internal",
            "Health\nPsychosocial support",
            "provider",
        ),
        ("Legal Aid Commission, Ashanti office", "external", "Legal aid", None),
        ("Bekwai Municipal Education Directorate", "external", "Education\nSchool re-entry", None),
    ],
    "SOC": [
        (
            "Punkt Interwencji Kryzysowej w Sochaczewie",
            "internal",
            "Wsparcie psychologiczne\nInterwencja kryzysowa",
            "dostawca",
        ),
        ("Powiatowe Centrum Pomocy Rodzinie", "external", "Piecza zastępcza\nPoradnictwo", None),
        ("Nieodpłatna pomoc prawna, Starostwo Powiatowe", "external", "Pomoc prawna", None),
    ],
}


def seed_providers() -> int:
    """A small service-provider directory per demo office; internal ones get a provider login."""
    created = 0
    groups = ensure_role_groups()
    for office in Office.objects.filter(code__in=PROVIDERS):
        for name, kind, services_offered, username in PROVIDERS[office.code]:
            provider, was_created = ServiceProvider.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "services": services_offered,
                    "office": office,
                    "area": office.name,
                },
            )
            created += was_created
            if username:
                user, new_user = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": name.split(",")[0][:150],
                        "home_office": office,
                        "preferred_language": office.default_language,
                    },
                )
                if new_user:
                    user.set_password(settings.DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                user.groups.add(groups[Role.PROVIDER])
                provider.members.add(user)
    return created
