"""Seed the decision kinds: Poland's administrative decisions under the social assistance act
(grant, refusal, change, revocation, suspension of a benefit or of care services) and, for
any other country, one generic service approval letter. The legal bases are defaults the
caseworker sees and may edit in each decision; an office confirms them with its lawyer."""

from django.db import migrations

USTAWA = "ustawy z dnia 12 marca 2004 r. o pomocy społecznej"
KPA = "art. 104 Kodeksu postępowania administracyjnego"
POUCZENIE = (
    "Od niniejszej decyzji przysługuje stronie odwołanie do Samorządowego Kolegium "
    "Odwoławczego za pośrednictwem {authority} w terminie 14 dni od dnia jej doręczenia "
    "(art. 127 § 1 i art. 129 § 1 i 2 Kodeksu postępowania administracyjnego). W trakcie "
    "biegu terminu do wniesienia odwołania strona może zrzec się prawa do jego wniesienia "
    "wobec organu, który wydał decyzję (art. 127a KPA); z dniem doręczenia oświadczenia "
    "decyzja staje się ostateczna i prawomocna."
)

# (code, English, Polish, effect, grants, legal basis)
PL_KINDS = [
    (
        "benefit-grant",
        "Grant of a benefit",
        "Przyznanie świadczenia",
        "grant",
        "amount",
        f"art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
    (
        "benefit-refusal",
        "Refusal of a benefit",
        "Odmowa przyznania świadczenia",
        "refusal",
        "",
        f"art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
    (
        "benefit-change",
        "Change of a benefit",
        "Zmiana decyzji przyznającej świadczenie",
        "change",
        "amount",
        f"art. 106 ust. 5 {USTAWA} oraz art. 104 i art. 155 Kodeksu postępowania "
        "administracyjnego",
    ),
    (
        "benefit-revocation",
        "Revocation of a benefit",
        "Uchylenie decyzji przyznającej świadczenie",
        "revocation",
        "",
        f"art. 106 ust. 5 {USTAWA} oraz {KPA}",
    ),
    (
        "benefit-suspension",
        "Suspension of a benefit",
        "Wstrzymanie świadczenia",
        "suspension",
        "",
        f"art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
    (
        "care-grant",
        "Grant of care services (with the client's fee)",
        "Przyznanie usług opiekuńczych (z odpłatnością)",
        "grant",
        "service",
        f"art. 50 ust. 1, 2 i 6 oraz art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
    (
        "care-refusal",
        "Refusal of care services",
        "Odmowa przyznania usług opiekuńczych",
        "refusal",
        "",
        f"art. 50 ust. 1 i art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
    (
        "care-change",
        "Change of care services or of the client's fee",
        "Zmiana decyzji w sprawie usług opiekuńczych lub odpłatności",
        "change",
        "service",
        f"art. 50 i art. 106 ust. 5 {USTAWA} oraz {KPA}",
    ),
    (
        "care-revocation",
        "Revocation of care services",
        "Uchylenie decyzji przyznającej usługi opiekuńcze",
        "revocation",
        "",
        f"art. 50 i art. 106 ust. 5 {USTAWA} oraz {KPA}",
    ),
    (
        "care-suspension",
        "Suspension of care services",
        "Wstrzymanie usług opiekuńczych",
        "suspension",
        "",
        f"art. 50 i art. 106 ust. 1 {USTAWA} oraz {KPA}",
    ),
]


def seed(apps, schema_editor):
    DecisionKind = apps.get_model("case_flows", "DecisionKind")
    for order, (code, en, pl, effect, grants, basis) in enumerate(PL_KINDS, start=1):
        DecisionKind.objects.get_or_create(
            jurisdiction="PL",
            code=code,
            defaults={
                "label_en": en,
                "label_pl": pl,
                "effect": effect,
                "grants": grants,
                "legal_basis": basis,
                "appeal_instruction": POUCZENIE,
                "appealable": True,
                "administrative": True,
                "order": order * 10,
            },
        )
    DecisionKind.objects.get_or_create(
        jurisdiction="",
        code="service-approval",
        defaults={
            "label_en": "Service approval letter",
            "label_pl": "Pismo o przyznaniu usługi",
            "effect": "approval",
            "grants": "service",
            "legal_basis": "",
            "appeal_instruction": "",
            "appealable": False,
            "administrative": False,
            "order": 500,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0036_decisions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
