"""The Polish retention policies cite Polish law in Polish: a Polish office's refusal of an
erasure request quotes them to a Polish reader. Rows an administrator has edited are kept."""

from django.db import migrations

SEEDED_PL_GENERAL = (
    "Ustawa z 14 lipca 1983 r. o narodowym zasobie archiwalnym i archiwach, art. 5-6, and "
    "the centre's jednolity rzeczowy wykaz akt (JRWA): social assistance case files "
    "(akta świadczeniobiorców) are commonly category B10/BE10, 10 years after the case "
    "ends. To be confirmed against the office's own JRWA."
)
POLISH_GENERAL = (
    "Ustawa z 14 lipca 1983 r. o narodowym zasobie archiwalnym i archiwach, art. 5-6, oraz "
    "jednolity rzeczowy wykaz akt (JRWA) ośrodka: akta świadczeniobiorców mają zwykle "
    "kategorię B10/BE10, 10 lat od zakończenia sprawy. Do potwierdzenia z JRWA ośrodka."
)
SEEDED_PL_NK = (
    "Ustawa z 29 lipca 2005 r. o przeciwdziałaniu przemocy domowej and the procedure "
    "„Niebieskie Karty” (rozporządzenie Rady Ministrów z 6 września 2023 r.); period by "
    "the JRWA. To be confirmed."
)
POLISH_NK = (
    "Ustawa z 29 lipca 2005 r. o przeciwdziałaniu przemocy domowej i procedura „Niebieskie "
    "Karty” (rozporządzenie Rady Ministrów z 6 września 2023 r.); okres według JRWA. Do "
    "potwierdzenia."
)
NOTES = {
    "Statutory records of a social assistance centre (ośrodek pomocy społecznej).": (
        "Dokumentacja ośrodka pomocy społecznej, prowadzona z mocy ustawy."
    ),
    "Niebieska Karta documentation.": "Dokumentacja procedury „Niebieskie Karty”.",
}


def forwards(apps, schema_editor):
    RetentionPolicy = apps.get_model("case_flows", "RetentionPolicy")
    for old, new in ((SEEDED_PL_GENERAL, POLISH_GENERAL), (SEEDED_PL_NK, POLISH_NK)):
        RetentionPolicy.objects.filter(jurisdiction="PL", legal_basis=old).update(legal_basis=new)
    for old, new in NOTES.items():
        RetentionPolicy.objects.filter(jurisdiction="PL", note=old).update(note=new)


def backwards(apps, schema_editor):
    RetentionPolicy = apps.get_model("case_flows", "RetentionPolicy")
    for old, new in ((SEEDED_PL_GENERAL, POLISH_GENERAL), (SEEDED_PL_NK, POLISH_NK)):
        RetentionPolicy.objects.filter(jurisdiction="PL", legal_basis=new).update(legal_basis=old)
    for old, new in NOTES.items():
        RetentionPolicy.objects.filter(jurisdiction="PL", note=new).update(note=old)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0020_choices_after_merge")]
    operations = [migrations.RunPython(forwards, backwards)]
