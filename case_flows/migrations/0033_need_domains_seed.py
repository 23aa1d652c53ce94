"""Seed the need domains the assessment asked before they became data: same codes, order and
labels (English, and Polish as the translation catalogue had them), for every country."""

from django.db import migrations

DOMAINS = [
    ("safety", "Safety", "Bezpieczeństwo"),
    ("health", "Health", "Zdrowie"),
    ("education", "Education", "Edukacja"),
    ("shelter", "Shelter", "Mieszkanie"),
    ("income", "Income", "Dochód"),
    ("psychosocial", "Psychosocial", "Sfera psychospołeczna"),
    ("legal", "Legal", "Sprawy prawne"),
]


def seed(apps, schema_editor):
    NeedDomain = apps.get_model("case_flows", "NeedDomain")
    for order, (code, en, pl) in enumerate(DOMAINS, start=1):
        NeedDomain.objects.get_or_create(
            code=code, defaults={"labels": {"en": en, "pl": pl}, "order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0032_need_domains")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
