"""The seeded Polish policies get English names that are msgids (shown translated, see
workflows.sla.seed); a name an administrator has changed is left as it is."""

from django.db import migrations

RENAMES = {
    "pl-wywiad-pilny": (
        "Pilny rodzinny wywiad środowiskowy (2 dni robocze)",
        "Urgent family community interview (2 working days)",
    ),
    "pl-wywiad": (
        "Rodzinny wywiad środowiskowy (14 dni roboczych)",
        "Family community interview (14 working days)",
    ),
    "pl-kpa-decyzja": (
        "Decyzja administracyjna (1 miesiąc, KPA)",
        "Administrative decision (1 month, KPA)",
    ),
    "pl-aktualizacja-wywiadu": (
        "Aktualizacja wywiadu przy świadczeniach ciągłych (6 miesięcy)",
        "Interview update for continuing benefits (6 months)",
    ),
}


def rename(apps, schema_editor, backwards=False):
    SlaPolicy = apps.get_model("workflows", "SlaPolicy")
    for key, (old, new) in RENAMES.items():
        before, after = (new, old) if backwards else (old, new)
        SlaPolicy.objects.filter(key=key, name=before).update(name=after)


def unrename(apps, schema_editor):
    rename(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0007_task_open_by_owner")]
    operations = [migrations.RunPython(rename, unrename)]
