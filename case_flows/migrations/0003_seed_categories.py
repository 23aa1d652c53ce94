"""Seed the case categories; administrators edit the list afterwards."""

from django.db import migrations

CATEGORIES = [
    ("child_protection", "Child protection", "Ochrona dziecka"),
    ("gbv", "Gender-based violence", "Przemoc ze względu na płeć"),
    ("domestic_violence", "Domestic violence (Niebieska Karta)", "Przemoc domowa (Niebieska Karta)"),
    ("older_people", "Older people's care services", "Usługi opiekuńcze dla osób starszych"),
    ("disability", "Disability", "Niepełnosprawność"),
    ("poverty", "Poverty / cash support", "Ubóstwo / wsparcie finansowe"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("case_flows", "Category")
    for order, (code, name, name_pl) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_pl": name_pl, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0002_caseevent_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
