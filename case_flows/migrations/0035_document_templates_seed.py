"""The seeded document templates of every office, in English and Polish: the case record
sheet, a referral letter to a provider, a notice to the client. Offices edit them (a new
version each time) or save their own versions in the Document templates pages."""

from django.db import migrations

RECORD_SHEET_EN = """<h1>Case record sheet</h1>
<table>
  <tr><th>Case reference</th><td>{{ case.reference }}</td></tr>
  <tr><th>Category</th><td>{{ case.category }}</td></tr>
  <tr><th>Stage</th><td>{{ case.stage }}{% if case.stage_since %} (since {{ case.stage_since }}){% endif %}</td></tr>
  <tr><th>Risk level</th><td>{{ case.risk }}</td></tr>
  <tr><th>Opened</th><td>{{ case.opened }}</td></tr>
  {% if case.closed %}<tr><th>Closed</th><td>{{ case.closed }}</td></tr>{% endif %}
  <tr><th>Caseworker</th><td>{{ caseworker.name|default:"Not allocated yet" }}</td></tr>
</table>

<h2>Client</h2>
<table>
  <tr><th>Name</th><td>{{ client.name }}</td></tr>
  <tr><th>Date of birth</th><td>{{ client.date_of_birth|default:"Not known" }}{% if client.age %} (age {{ client.age }}){% endif %}</td></tr>
  <tr><th>Sex</th><td>{{ client.sex }}</td></tr>
  <tr><th>Address</th><td>{{ client.address|default:"Not known" }}</td></tr>
  {% if client.phone %}<tr><th>Phone</th><td>{{ client.phone }}</td></tr>{% endif %}
  {% for identifier in client.identifiers %}<tr><th>{{ identifier.kind }}</th><td>{{ identifier.value }}</td></tr>{% endfor %}
</table>

{% if intake %}
<h2>Intake ({{ intake.date }})</h2>
<p><strong>Source:</strong> {{ intake.source }}</p>
<p>{{ intake.concerns|linebreaksbr }}</p>
{% endif %}

{% if assessment %}
<h2>Assessment ({{ assessment.date }})</h2>
<p><strong>Risk level decided:</strong> {{ assessment.risk }}</p>
{% if assessment.needs %}
<table>
  {% for need in assessment.needs %}<tr><th>{{ need.domain }}</th><td>{{ need.level }}</td></tr>{% endfor %}
</table>
{% endif %}
{% if assessment.needs_notes %}<p>{{ assessment.needs_notes|linebreaksbr }}</p>{% endif %}
<p><strong>Strengths:</strong> {{ assessment.strengths|linebreaksbr }}</p>
{% endif %}

{% if plan %}
<h2>Case plan ({{ plan.date }})</h2>
{% if plan.summary %}<p>{{ plan.summary|linebreaksbr }}</p>{% endif %}
{% if plan.goals %}<h3>Goals</h3><ul>{% for goal in plan.goals %}<li>{{ goal.description }}</li>{% endfor %}</ul>{% endif %}
{% if plan.actions %}<h3>Actions</h3>
<ul>{% for action in plan.actions %}<li>{{ action.description }}: {{ action.responsible }}, by {{ action.target_date }}</li>{% endfor %}</ul>{% endif %}
{% endif %}

{% if referrals %}
<h2>Referrals</h2>
<ul>{% for referral in referrals %}<li>{{ referral.date }}: {{ referral.service }}, {{ referral.provider }} ({{ referral.urgency|lower }}; {{ referral.status|lower }})</li>{% endfor %}</ul>
{% endif %}

{% if closure %}
<h2>Closure ({{ closure.date }})</h2>
<p><strong>Reason:</strong> {{ closure.reason }}</p>
<p>{{ closure.summary|linebreaksbr }}</p>
{% endif %}

<p class="muted">Prepared by {{ author.name }}, {{ office.name }}, on {{ today }}. This record holds personal data: keep it confidential and share it only with those entitled to it.</p>
"""

RECORD_SHEET_PL = """<h1>Karta sprawy</h1>
<table>
  <tr><th>Sygnatura sprawy</th><td>{{ case.reference }}</td></tr>
  <tr><th>Kategoria</th><td>{{ case.category }}</td></tr>
  <tr><th>Etap</th><td>{{ case.stage }}{% if case.stage_since %} (od {{ case.stage_since }}){% endif %}</td></tr>
  <tr><th>Poziom ryzyka</th><td>{{ case.risk }}</td></tr>
  <tr><th>Data założenia</th><td>{{ case.opened }}</td></tr>
  {% if case.closed %}<tr><th>Data zamknięcia</th><td>{{ case.closed }}</td></tr>{% endif %}
  <tr><th>Pracownik socjalny</th><td>{{ caseworker.name|default:"Jeszcze nie przydzielono" }}</td></tr>
</table>

<h2>Klient</h2>
<table>
  <tr><th>Imię i nazwisko</th><td>{{ client.name }}</td></tr>
  <tr><th>Data urodzenia</th><td>{{ client.date_of_birth|default:"Nieznana" }}{% if client.age %} (wiek: {{ client.age }}){% endif %}</td></tr>
  <tr><th>Płeć</th><td>{{ client.sex }}</td></tr>
  <tr><th>Adres</th><td>{{ client.address|default:"Nieznany" }}</td></tr>
  {% if client.phone %}<tr><th>Telefon</th><td>{{ client.phone }}</td></tr>{% endif %}
  {% for identifier in client.identifiers %}<tr><th>{{ identifier.kind }}</th><td>{{ identifier.value }}</td></tr>{% endfor %}
</table>

{% if intake %}
<h2>Przyjęcie zgłoszenia ({{ intake.date }})</h2>
<p><strong>Źródło:</strong> {{ intake.source }}</p>
<p>{{ intake.concerns|linebreaksbr }}</p>
{% endif %}

{% if assessment %}
<h2>Ocena sytuacji ({{ assessment.date }})</h2>
<p><strong>Ustalony poziom ryzyka:</strong> {{ assessment.risk }}</p>
{% if assessment.needs %}
<table>
  {% for need in assessment.needs %}<tr><th>{{ need.domain }}</th><td>{{ need.level }}</td></tr>{% endfor %}
</table>
{% endif %}
{% if assessment.needs_notes %}<p>{{ assessment.needs_notes|linebreaksbr }}</p>{% endif %}
<p><strong>Zasoby i mocne strony:</strong> {{ assessment.strengths|linebreaksbr }}</p>
{% endif %}

{% if plan %}
<h2>Plan pomocy ({{ plan.date }})</h2>
{% if plan.summary %}<p>{{ plan.summary|linebreaksbr }}</p>{% endif %}
{% if plan.goals %}<h3>Cele</h3><ul>{% for goal in plan.goals %}<li>{{ goal.description }}</li>{% endfor %}</ul>{% endif %}
{% if plan.actions %}<h3>Działania</h3>
<ul>{% for action in plan.actions %}<li>{{ action.description }}: {{ action.responsible }}, do {{ action.target_date }}</li>{% endfor %}</ul>{% endif %}
{% endif %}

{% if referrals %}
<h2>Skierowania</h2>
<ul>{% for referral in referrals %}<li>{{ referral.date }}: {{ referral.service }}, {{ referral.provider }} ({{ referral.urgency|lower }}; {{ referral.status|lower }})</li>{% endfor %}</ul>
{% endif %}

{% if closure %}
<h2>Zamknięcie sprawy ({{ closure.date }})</h2>
<p><strong>Powód:</strong> {{ closure.reason }}</p>
<p>{{ closure.summary|linebreaksbr }}</p>
{% endif %}

<p class="muted">Sporządził(a): {{ author.name }}, {{ office.name }}, dnia {{ today }}. Dokument zawiera dane osobowe: należy go chronić i udostępniać wyłącznie osobom uprawnionym.</p>
"""

REFERRAL_EN = """<p>{{ referral.provider }}{% if referral.provider_contact %}<br>For the attention of {{ referral.provider_contact }}{% endif %}{% if referral.provider_address %}<br>{{ referral.provider_address }}{% endif %}</p>

{% if referral %}
<h1>Referral: {{ referral.service }}</h1>
<p>Dear Sir or Madam,</p>
<p>We refer {{ client.name }}{% if client.date_of_birth %}, born {{ client.date_of_birth }}{% endif %}{% if client.address %}, of {{ client.address }}{% endif %}, to your service for <strong>{{ referral.service }}</strong>. Urgency: {{ referral.urgency|lower }}.</p>
{% if referral.notes %}<h2>Reason for the referral</h2><p>{{ referral.notes|linebreaksbr }}</p>{% endif %}
{% if assessment.needs %}<h2>Assessed needs</h2>
<ul>{% for need in assessment.needs %}<li>{{ need.domain }}: {{ need.level }}</li>{% endfor %}</ul>{% endif %}
{% if plan.summary %}<h2>The case plan</h2><p>{{ plan.summary|linebreaksbr }}</p>{% endif %}
<p>{% if referral.consent %}The client has consented to our sharing this information with your service.{% else %}The client's consent to sharing is recorded on our file; please treat this letter as confidential.{% endif %}</p>
<p>Please let us know whether you can accept this referral, quoting our reference {{ case.reference }}. For any question, please contact {{ caseworker.name|default:office.name }}{% if caseworker.phone %}, phone {{ caseworker.phone }}{% endif %}{% if caseworker.email %}, e-mail {{ caseworker.email }}{% endif %}.</p>
<p>Yours faithfully,</p>
<div class="signature"><div class="line">{{ author.name }}<br>{{ office.name }}</div></div>
{% else %}
<h1>Referral</h1>
<p>This case has no referral yet: record the referral on the case first, then generate the letter.</p>
{% endif %}
"""

REFERRAL_PL = """<p>{{ referral.provider }}{% if referral.provider_contact %}<br>Do rąk: {{ referral.provider_contact }}{% endif %}{% if referral.provider_address %}<br>{{ referral.provider_address }}{% endif %}</p>

{% if referral %}
<h1>Skierowanie: {{ referral.service }}</h1>
<p>Szanowni Państwo,</p>
<p>kierujemy do Państwa: {{ client.name }}{% if client.date_of_birth %}, ur. {{ client.date_of_birth }}{% endif %}{% if client.address %}, zam. {{ client.address }}{% endif %}, w celu objęcia wsparciem w zakresie: <strong>{{ referral.service }}</strong>. Pilność: {{ referral.urgency|lower }}.</p>
{% if referral.notes %}<h2>Powód skierowania</h2><p>{{ referral.notes|linebreaksbr }}</p>{% endif %}
{% if assessment.needs %}<h2>Rozpoznane potrzeby</h2>
<ul>{% for need in assessment.needs %}<li>{{ need.domain }}: {{ need.level }}</li>{% endfor %}</ul>{% endif %}
{% if plan.summary %}<h2>Plan pomocy</h2><p>{{ plan.summary|linebreaksbr }}</p>{% endif %}
<p>{% if referral.consent %}Klient wyraził zgodę na przekazanie Państwu tych informacji.{% else %}Zgoda klienta na przekazanie informacji jest odnotowana w aktach sprawy; prosimy o zachowanie poufności.{% endif %}</p>
<p>Prosimy o informację, czy mogą Państwo przyjąć skierowanie, z powołaniem się na sygnaturę {{ case.reference }}. W razie pytań prosimy o kontakt: {{ caseworker.name|default:office.name }}{% if caseworker.phone %}, tel. {{ caseworker.phone }}{% endif %}{% if caseworker.email %}, e-mail {{ caseworker.email }}{% endif %}.</p>
<p>Z poważaniem</p>
<div class="signature"><div class="line">{{ author.name }}<br>{{ office.name }}</div></div>
{% else %}
<h1>Skierowanie</h1>
<p>W tej sprawie nie ma jeszcze skierowania: najpierw należy je odnotować w sprawie, a potem wygenerować pismo.</p>
{% endif %}
"""

NOTICE_EN = """<p>{{ client.name }}{% if client.address %}<br>{{ client.address }}{% endif %}</p>

<h1>Notice</h1>
<p>Dear {{ client.name }},</p>
<p>We are writing to you about your case {{ case.reference }} ({{ case.category }}) with {{ office.name }}.</p>
{% if free_text %}<p>{{ free_text|linebreaksbr }}</p>{% else %}<p>We will contact you shortly about the next steps in your case.</p>{% endif %}
<p>If you have any question, or if you cannot attend an appointment, please contact {{ caseworker.name|default:office.name }}{% if caseworker.phone %} on {{ caseworker.phone }}{% endif %}{% if caseworker.email %} or at {{ caseworker.email }}{% endif %}, quoting the reference {{ case.reference }}.</p>
<p>You may ask at any time to see the information we hold about you.</p>
<p>Yours sincerely,</p>
<div class="signature"><div class="line">{{ author.name }}<br>{{ office.name }}</div></div>
"""

NOTICE_PL = """<p>{{ client.name }}{% if client.address %}<br>{{ client.address }}{% endif %}</p>

<h1>Zawiadomienie</h1>
<p>Szanowna Pani / Szanowny Panie,</p>
<p>piszemy w związku z Pani/Pana sprawą {{ case.reference }} ({{ case.category }}) prowadzoną przez {{ office.name }}.</p>
{% if free_text %}<p>{{ free_text|linebreaksbr }}</p>{% else %}<p>Wkrótce skontaktujemy się z Panią/Panem w sprawie dalszych kroków.</p>{% endif %}
<p>W razie pytań lub gdyby nie mogła Pani / nie mógł Pan przyjść na wyznaczony termin, prosimy o kontakt: {{ caseworker.name|default:office.name }}{% if caseworker.phone %}, tel. {{ caseworker.phone }}{% endif %}{% if caseworker.email %}, e-mail {{ caseworker.email }}{% endif %}, z podaniem sygnatury {{ case.reference }}.</p>
<p>W każdej chwili może Pani/Pan zapytać, jakie dane na Pani/Pana temat przetwarzamy.</p>
<p>Z poważaniem</p>
<div class="signature"><div class="line">{{ author.name }}<br>{{ office.name }}</div></div>
"""

SEEDS = [
    ("case-record-sheet", "en", "Case record sheet", RECORD_SHEET_EN),
    ("case-record-sheet", "pl", "Karta sprawy", RECORD_SHEET_PL),
    ("referral-letter", "en", "Referral letter", REFERRAL_EN),
    ("referral-letter", "pl", "Skierowanie", REFERRAL_PL),
    ("client-notice", "en", "Notice to the client", NOTICE_EN),
    ("client-notice", "pl", "Zawiadomienie dla klienta", NOTICE_PL),
]


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("case_flows", "DocumentTemplate")
    for key, language, name, body in SEEDS:
        DocumentTemplate.objects.get_or_create(
            office=None,
            key=key,
            language=language,
            superseded_at=None,
            defaults={"name": name, "body": body, "version": 1},
        )


def unseed(apps, schema_editor):
    DocumentTemplate = apps.get_model("case_flows", "DocumentTemplate")
    DocumentTemplate.objects.filter(
        office=None, key__in=[s[0] for s in SEEDS], documents__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0034_document_templates")]

    operations = [migrations.RunPython(seed, unseed)]
