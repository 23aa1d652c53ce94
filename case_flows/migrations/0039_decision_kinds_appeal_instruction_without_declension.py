"""The default instruction on appeal of the Polish decision kinds named the office after "za
pośrednictwem", which needs the genitive ("za pośrednictwem Miejski Ośrodek ..." is wrong
grammar). It now names "the authority that issued the decision" and gives the office's name in
brackets, so that no declension is needed. Only the kinds still holding the old default text
change; an office's own wording is kept."""

from django.db import migrations

TAIL = (
    "w terminie 14 dni od dnia jej doręczenia "
    "(art. 127 § 1 i art. 129 § 1 i 2 Kodeksu postępowania administracyjnego). W trakcie "
    "biegu terminu do wniesienia odwołania strona może zrzec się prawa do jego wniesienia "
    "wobec organu, który wydał decyzję (art. 127a KPA); z dniem doręczenia oświadczenia "
    "decyzja staje się ostateczna i prawomocna."
)
HEAD = (
    "Od niniejszej decyzji przysługuje stronie odwołanie do Samorządowego Kolegium "
    "Odwoławczego za pośrednictwem "
)
OLD = HEAD + "{authority} " + TAIL
NEW = HEAD + "organu, który wydał decyzję ({authority}), " + TAIL


def forwards(apps, schema_editor):
    DecisionKind = apps.get_model("case_flows", "DecisionKind")
    DecisionKind.objects.filter(appeal_instruction=OLD).update(appeal_instruction=NEW)


def backwards(apps, schema_editor):
    DecisionKind = apps.get_model("case_flows", "DecisionKind")
    DecisionKind.objects.filter(appeal_instruction=NEW).update(appeal_instruction=OLD)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0038_kinds_after_documents_and_decisions")]

    operations = [migrations.RunPython(forwards, backwards)]
