"""Households for the relations recorded "in the same household" before households existed
(docs/households.md): a client and such a relative with no household get one (the client's
office and address, the client its head); one with a household takes the other in; then every
relation's flag says what the households say. No timeline event: nobody did it on a case."""

from django.db import migrations
from django.db.models import Exists, OuterRef

# cases Relationship -> households HeadRelationship, when the client is the head.
TO_HEAD = {
    "parent": "parent",
    "caregiver": "other",
    "child": "child",
    "sibling": "sibling",
    "grandparent": "grandparent",
    "spouse": "spouse",
    "other": "other_relative",
}


def _to_head(relationship, client_is_head):
    if client_is_head or relationship == "caregiver":
        return TO_HEAD.get(relationship, "other_relative")
    return "other_relative"


def households_from_relations(apps, schema_editor):
    PersonRelation = apps.get_model("case_flows", "PersonRelation")
    Household = apps.get_model("case_flows", "Household")
    HouseholdMember = apps.get_model("case_flows", "HouseholdMember")
    current = {m.person_id: m for m in HouseholdMember.objects.filter(to_date__isnull=True)}
    relations = (
        PersonRelation.objects.filter(
            same_household=True,
            person__merged_into__isnull=True,
            person__anonymised_at__isnull=True,
            relative__merged_into__isnull=True,
            relative__anonymised_at__isnull=True,
        )
        .select_related("person", "relative")
        .order_by("person_id", "pk")
    )
    for relation in relations.iterator(chunk_size=2000):
        client, relative = relation.person, relation.relative
        mine, theirs = current.get(client.pk), current.get(relative.pk)
        if mine is not None and theirs is not None:
            continue  # both recorded: the households say (the flags follow below)
        since = max(client.created_at, relative.created_at).date()
        if mine is None and theirs is None:
            household = Household.objects.create(
                office_id=client.office_id, address=client.address.strip()
            )
            mine = current[client.pk] = HouseholdMember.objects.create(
                household=household,
                person=client,
                relationship_to_head="head",
                lives_here=True,
                from_date=client.created_at.date(),
            )
        if mine is not None:
            current[relative.pk] = HouseholdMember.objects.create(
                household_id=mine.household_id,
                person=relative,
                relationship_to_head=_to_head(
                    relation.relationship, mine.relationship_to_head == "head"
                ),
                lives_here=True,
                from_date=max(since, mine.from_date),
            )
        else:  # the relative's household takes the client in
            current[client.pk] = HouseholdMember.objects.create(
                household_id=theirs.household_id,
                person=client,
                relationship_to_head="other_relative",
                lives_here=True,
                from_date=max(since, theirs.from_date),
            )
    # One truth: where both people have a current household, the flag says whether it is
    # the same one (and they live there).
    members = HouseholdMember.objects.filter(to_date__isnull=True)
    both_in_households = PersonRelation.objects.filter(
        Exists(members.filter(person_id=OuterRef("person_id"))),
        Exists(members.filter(person_id=OuterRef("relative_id"))),
    )
    for relation in both_in_households.iterator(chunk_size=2000):
        mine, theirs = current[relation.person_id], current[relation.relative_id]
        together = mine.household_id == theirs.household_id and theirs.lives_here
        if relation.same_household != together:
            PersonRelation.objects.filter(pk=relation.pk).update(same_household=together)


class Migration(migrations.Migration):
    dependencies = [
        ("case_flows", "0029_answers_search_indexes"),
    ]

    operations = [
        migrations.RunPython(households_from_relations, migrations.RunPython.noop),
    ]
