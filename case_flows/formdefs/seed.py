"""The form definitions and lookups every installation starts with: the five built-in task
forms as definitions (published, the global default of their stage), and two Polish statutory
forms' main parts as drafts for an office to check before use.

The data are plain dicts in the content format of content.py; labels are data (English and
Polish), not msgids. `seed_form_definitions()` only creates what is missing: a lookup, a
definition or an assignment that exists (however an administrator has changed it since) is
never touched, nor are a definition's versions.

Writes go through a model registry (`apps`) so the data migration can pass its historical
models: a migration that imported the models of today would break `migrate` on a fresh
database as soon as a later migration changes these tables. Publishing does what
services.form_publish does (the same checks, lookups snapshot and JSON Schema, from
content.py), with no user: the system publishes these.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone

from .content import default_languages, definition_problems, json_schema


def _l(en: str, pl: str) -> dict[str, str]:
    return {"en": en, "pl": pl}


def _core(*keys: str) -> list[dict]:
    return [{"key": key, "type": "core"} for key in keys]


def _values(*rows: tuple[str, str, str]) -> list[dict]:
    return [{"code": code, "labels": _l(en, pl)} for code, en, pl in rows]


# --- the built-in task forms ------------------------------------------------------------
#
# Each lists every typed field of its stage (CORE_FIELDS) as a `core` field, in sections that
# mirror today's task page (templates/case_flows/tasks/*.html, case_flows/work/forms.py). They
# hold no configured field, so a task page using one looks and behaves exactly as it did
# before forms were configurable; an office copies or edits one to add its own questions.

BUILT_IN_FORMS: list[dict] = [
    {
        "key": "intake",
        "stage": "intake",
        "labels": _l("Intake (standard form)", "Przyjęcie (formularz standardowy)"),
        "content": {
            "sections": [
                {
                    "key": "intake",
                    "label": _l("Intake", "Przyjęcie"),
                    "fields": _core(
                        "source", "presenting_concerns", "immediate_safety", "consent_to_share"
                    ),
                }
            ]
        },
    },
    {
        "key": "assessment",
        "stage": "assessment",
        "labels": _l("Assessment (standard form)", "Ocena (formularz standardowy)"),
        "content": {
            "sections": [
                {
                    "key": "needs",
                    "label": _l("Needs by domain", "Potrzeby według obszarów"),
                    "fields": _core("needs"),
                },
                {
                    "key": "assessment",
                    "label": _l("Notes, strengths and risk", "Uwagi, zasoby i ryzyko"),
                    "fields": _core("needs_notes", "strengths", "risk_decided"),
                },
            ]
        },
    },
    {
        "key": "plan",
        "stage": "plan",
        "labels": _l("Case plan (standard form)", "Plan pomocy (formularz standardowy)"),
        "content": {
            "sections": [
                {
                    "key": "plan",
                    "label": _l("Case plan", "Plan pomocy"),
                    "fields": _core("summary", "goals", "no_referral_needed"),
                },
                {
                    "key": "actions",
                    "label": _l("Actions", "Działania"),
                    "fields": _core("actions"),
                },
            ]
        },
    },
    {
        "key": "follow_up",
        "stage": "follow_up",
        "labels": _l("Follow-up (standard form)", "Monitorowanie (formularz standardowy)"),
        "content": {
            "sections": [
                {
                    "key": "contact",
                    "label": _l("The contact", "Kontakt"),
                    "fields": _core("date", "mode", "notes"),
                },
                {
                    "key": "progress",
                    "label": _l(
                        "Progress against the plan's goals", "Postęp w realizacji celów planu"
                    ),
                    "fields": _core("progress"),
                },
                {
                    "key": "next",
                    "label": _l("What happens next", "Co dalej"),
                    "fields": _core("next_step"),
                },
            ]
        },
    },
    {
        "key": "closure",
        "stage": "closure",
        "labels": _l("Closure (standard form)", "Zamknięcie (formularz standardowy)"),
        "content": {
            "sections": [
                {
                    "key": "closure",
                    "label": _l("Closure", "Zamknięcie"),
                    "fields": _core("reason", "summary"),
                }
            ]
        },
    },
]


# --- lookups -----------------------------------------------------------------------------

# Art. 7 of the Social Assistance Act (ustawa z dnia 12 marca 2004 r. o pomocy społecznej),
# in the wording of the consolidated text Dz.U. 2023 poz. 901 (in force from 1 January 2024):
# point 7 reads "przemocy domowej" since 22 June 2023 (it was "przemocy w rodzinie"); point 10
# is repealed; 9 and 11 are shortened here (their full wording is in the Act).
ASSISTANCE_REASONS = _values(
    ("poverty", "Poverty", "Ubóstwo"),
    ("orphanhood", "Orphanhood", "Sieroctwo"),
    ("homelessness", "Homelessness", "Bezdomność"),
    ("unemployment", "Unemployment", "Bezrobocie"),
    ("disability", "Disability", "Niepełnosprawność"),
    ("illness", "Long-term or serious illness", "Długotrwała lub ciężka choroba"),
    ("domestic_violence", "Domestic violence", "Przemoc domowa"),
    (
        "trafficking",
        "Need to protect victims of human trafficking",
        "Potrzeba ochrony ofiar handlu ludźmi",
    ),
    (
        "maternity",
        "Need to protect maternity or large families",
        "Potrzeba ochrony macierzyństwa lub wielodzietności",
    ),
    (
        "parenting",
        "Helplessness in care and upbringing and in running the household",
        "Bezradność w sprawach opiekuńczo-wychowawczych i prowadzenia gospodarstwa domowego",
    ),
    (
        "foreigners",
        "Difficulties in the integration of foreigners (refugee status, subsidiary protection)",
        "Trudności w integracji cudzoziemców (status uchodźcy, ochrona uzupełniająca)",
    ),
    (
        "after_prison",
        "Difficulties adjusting to life after release from prison",
        "Trudności w przystosowaniu do życia po zwolnieniu z zakładu karnego",
    ),
    ("addiction", "Alcoholism or drug addiction", "Alkoholizm lub narkomania"),
    ("crisis", "A random event or crisis situation", "Zdarzenie losowe i sytuacja kryzysowa"),
    (
        "disaster",
        "Natural or ecological disaster",
        "Klęska żywiołowa lub ekologiczna",
    ),
)

LOOKUPS: list[dict] = [
    {
        "key": "pl_assistance_reasons",
        "labels": _l(
            "Reasons for social assistance (art. 7 of the Social Assistance Act)",
            "Powody udzielenia pomocy społecznej (art. 7 ustawy o pomocy społecznej)",
        ),
        "values": ASSISTANCE_REASONS,
    },
    {
        "key": "family_relation",
        "labels": _l("Family relation", "Pokrewieństwo lub relacja"),
        "values": _values(
            ("spouse_partner", "Spouse or partner", "Małżonek lub partner"),
            ("former_partner", "Former spouse or partner", "Były małżonek lub partner"),
            ("child", "Child", "Dziecko"),
            ("parent", "Parent", "Rodzic"),
            ("sibling", "Brother or sister", "Brat lub siostra"),
            ("grandparent", "Grandparent", "Dziadek lub babcia"),
            ("other_relative", "Other relative", "Inny krewny"),
            ("other", "Other person", "Inna osoba"),
        ),
    },
    {
        "key": "pl_housing_type",
        "labels": _l("Type of dwelling", "Rodzaj mieszkania"),
        "values": _values(
            ("owned", "Owned flat or house", "Mieszkanie lub dom własnościowy"),
            ("council", "Council flat", "Mieszkanie komunalne"),
            ("social", "Social housing", "Lokal socjalny"),
            ("cooperative", "Cooperative flat", "Mieszkanie spółdzielcze"),
            ("rented", "Rented privately", "Mieszkanie wynajmowane"),
            ("with_family", "Living with family", "Zamieszkiwanie u rodziny"),
            ("institution", "Shelter or institution", "Schronisko, noclegownia lub placówka"),
            ("none", "No dwelling", "Brak mieszkania"),
            ("other", "Other", "Inne"),
        ),
    },
    {
        "key": "education_level",
        "labels": _l("Education", "Wykształcenie"),
        "values": _values(
            ("none", "None or incomplete primary", "Brak lub niepełne podstawowe"),
            ("primary", "Primary or lower secondary", "Podstawowe lub gimnazjalne"),
            ("vocational", "Basic vocational", "Zasadnicze zawodowe lub branżowe"),
            ("secondary", "Secondary", "Średnie"),
            ("higher", "Higher", "Wyższe"),
        ),
    },
    {
        "key": "work_status",
        "labels": _l("Occupational situation", "Sytuacja zawodowa"),
        "values": _values(
            ("employed", "Employed", "Zatrudniony"),
            ("self_employed", "Self-employed or farming", "Własna działalność lub rolnik"),
            ("unemployed_registered", "Unemployed, registered", "Bezrobotny zarejestrowany"),
            (
                "unemployed_unregistered",
                "Unemployed, not registered",
                "Bezrobotny niezarejestrowany",
            ),
            ("retired", "Retired or on a disability pension", "Emeryt lub rencista"),
            ("student", "Pupil or student", "Uczeń lub student"),
            ("unable", "Unable to work", "Niezdolny do pracy"),
            ("other", "Other", "Inne"),
        ),
    },
    {
        "key": "pl_income_source",
        "labels": _l("Source of income", "Źródło dochodu"),
        "values": _values(
            ("wages", "Wages", "Wynagrodzenie za pracę"),
            ("business", "Business or farm income", "Działalność gospodarcza lub rolnicza"),
            ("pension", "Retirement pension", "Emerytura"),
            ("disability_pension", "Disability pension", "Renta"),
            ("unemployment_benefit", "Unemployment benefit", "Zasiłek dla bezrobotnych"),
            ("family_benefits", "Family benefits", "Świadczenia rodzinne"),
            ("child_benefit", "Child-raising benefit", "Świadczenie wychowawcze"),
            (
                "maintenance",
                "Maintenance or maintenance fund",
                "Alimenty lub fundusz alimentacyjny",
            ),
            ("social_assistance", "Social assistance benefits", "Świadczenia z pomocy społecznej"),
            ("other", "Other", "Inne"),
        ),
    },
    {
        "key": "nk_violence_forms",
        "labels": _l("Forms of domestic violence", "Formy przemocy domowej"),
        "values": _values(
            ("physical", "Physical violence", "Przemoc fizyczna"),
            ("psychological", "Psychological violence", "Przemoc psychiczna"),
            ("sexual", "Sexual violence", "Przemoc seksualna"),
            ("economic", "Economic violence", "Przemoc ekonomiczna"),
            (
                "cyber",
                "Violence by electronic communication (cyberviolence)",
                "Przemoc z użyciem środków komunikacji elektronicznej (cyberprzemoc)",
            ),
            ("other", "Other", "Inne"),
        ),
    },
    {
        "key": "nk_actions_taken",
        "labels": _l("Actions taken (Blue Card)", "Podjęte działania (Niebieska Karta)"),
        "values": _values(
            (
                "information",
                "Information on help given (form B handed over)",
                "Udzielono informacji o pomocy (przekazano formularz B)",
            ),
            ("medical", "Medical help called or given", "Wezwano lub udzielono pomocy medycznej"),
            ("police", "Police called", "Wezwano Policję"),
            ("shelter", "Safe place or shelter found", "Zapewniono bezpieczne schronienie"),
            (
                "child_safety",
                "A child placed in safety",
                "Zabezpieczono dziecko w bezpiecznym miejscu",
            ),
            (
                "eviction_order",
                "Order to leave the home or ban on approaching (Police)",
                "Nakaz opuszczenia mieszkania lub zakaz zbliżania się (Policja)",
            ),
            (
                "crime_report",
                "Suspected offence reported",
                "Zawiadomiono o podejrzeniu popełnienia przestępstwa",
            ),
            ("other", "Other", "Inne"),
        ),
    },
]


# --- drafts of Polish statutory forms, for the office to check -----------------------------

CHECK_NOTE_RWS = _l(
    "Draft of the main parts of the community interview questionnaire (annex 1 to the "
    "Regulation of the Minister of Family and Social Policy of 8 April 2021 on the family "
    "community interview, Dz.U. 2021 poz. 893, as amended). Not the full questionnaire: check "
    "it against the version in force, including any later amendment (to be confirmed), before "
    "publishing it.",
    "Projekt części głównych kwestionariusza rodzinnego wywiadu środowiskowego (załącznik nr 1 "
    "do rozporządzenia Ministra Rodziny i Polityki Społecznej z dnia 8 kwietnia 2021 r. w "
    "sprawie rodzinnego wywiadu środowiskowego, Dz.U. 2021 poz. 893, ze zm.). To nie jest cały "
    "kwestionariusz: przed publikacją sprawdzić z brzmieniem obowiązującym, w tym z późniejszymi "
    "zmianami (do potwierdzenia).",
)

CHECK_NOTE_NK = _l(
    "Draft of the main parts of the form “Niebieska Karta – A” (annex 1 to the Regulation of "
    "the Council of Ministers of 6 September 2023 on the “Blue Cards” procedure and the forms "
    "“Niebieska Karta”, Dz.U. 2023 poz. 1870). Not the full form: the lists of forms of "
    "violence and of actions taken are to be confirmed against the form before publishing it.",
    "Projekt części głównych formularza „Niebieska Karta – A” (załącznik nr 1 do rozporządzenia "
    "Rady Ministrów z dnia 6 września 2023 r. w sprawie procedury „Niebieskie Karty” oraz wzorów "
    "formularzy „Niebieska Karta”, Dz.U. 2023 poz. 1870). To nie jest cały formularz: listy form "
    "przemocy i podjętych działań do potwierdzenia z wzorem formularza przed publikacją.",
)


def _f(key: str, kind: str, en: str, pl: str, **extra) -> dict:
    return {"key": key, "type": kind, "label": _l(en, pl), **extra}


COMMUNITY_INTERVIEW = {
    "key": "pl_community_interview",
    "stage": "assessment",
    "labels": _l(
        "Community interview (main parts)",
        "Wywiad środowiskowy (części główne)",
    ),
    "content": {
        # Not read by the engine: where the draft comes from and what to check, for the
        # administrator who opens it.
        "note": CHECK_NOTE_RWS,
        "sections": [
            {
                "key": "household",
                "label": _l(
                    "Personal data and household composition",
                    "Dane osobowe i skład gospodarstwa domowego",
                ),
                "fields": [
                    _f(
                        "household_members",
                        "group",
                        "Other members of the household",
                        "Pozostali członkowie gospodarstwa domowego",
                        help=_l(
                            "The person interviewed is the case's client; list everyone else "
                            "who lives and keeps house with them.",
                            "Osoba, z którą przeprowadza się wywiad, jest klientem sprawy; "
                            "wpisz pozostałe osoby wspólnie zamieszkujące i gospodarujące.",
                        ),
                        max_items=20,
                        fields=[
                            _f("name", "text", "Name", "Imię i nazwisko", required=True),
                            _f(
                                "birth_date", "date", "Date of birth", "Data urodzenia", max="today"
                            ),
                            _f(
                                "relation",
                                "choice",
                                "Relation to the person interviewed",
                                "Stopień pokrewieństwa lub relacja",
                                lookup="family_relation",
                            ),
                            _f(
                                "work_status",
                                "choice",
                                "Occupational situation",
                                "Sytuacja zawodowa",
                                lookup="work_status",
                            ),
                        ],
                    ),
                ],
            },
            {
                "key": "housing",
                "label": _l("Housing conditions", "Warunki mieszkaniowe"),
                "fields": [
                    _f(
                        "housing_type",
                        "choice",
                        "Type of dwelling",
                        "Rodzaj mieszkania",
                        lookup="pl_housing_type",
                    ),
                    _f(
                        "rooms",
                        "number",
                        "Number of rooms",
                        "Liczba izb",
                        integer=True,
                        min=0,
                        max=50,
                    ),
                    _f(
                        "housing_arrears",
                        "boolean",
                        "Arrears in rent or utility bills",
                        "Zaległości w opłatach za mieszkanie",
                    ),
                    _f(
                        "housing_notes",
                        "textarea",
                        "Condition and equipment of the dwelling",
                        "Stan i wyposażenie mieszkania",
                        max_length=4000,
                    ),
                ],
            },
            {
                "key": "health",
                "label": _l("Health situation", "Sytuacja zdrowotna"),
                "fields": [
                    _f(
                        "disability_in_household",
                        "boolean",
                        "Someone in the household has a disability certificate",
                        "Ktoś w gospodarstwie ma orzeczenie o niepełnosprawności",
                    ),
                    _f(
                        "disability_details",
                        "textarea",
                        "Who, and the degree of disability",
                        "Kto i jaki stopień niepełnosprawności",
                        show_if={"field": "disability_in_household", "equals": True},
                        max_length=2000,
                    ),
                    _f(
                        "health_notes",
                        "textarea",
                        "Illnesses, treatment and care needs",
                        "Choroby, leczenie i potrzeby w zakresie opieki",
                        max_length=4000,
                    ),
                ],
            },
            {
                "key": "work",
                "label": _l(
                    "Occupational situation and education",
                    "Sytuacja zawodowa i wykształcenie",
                ),
                "fields": [
                    _f(
                        "work_status",
                        "choice",
                        "Occupational situation of the person interviewed",
                        "Sytuacja zawodowa osoby, z którą przeprowadza się wywiad",
                        lookup="work_status",
                    ),
                    _f(
                        "education",
                        "choice",
                        "Education",
                        "Wykształcenie",
                        lookup="education_level",
                    ),
                    _f(
                        "work_notes",
                        "textarea",
                        "Profession, last employment, efforts to find work",
                        "Zawód, ostatnie zatrudnienie, starania o pracę",
                        max_length=4000,
                    ),
                ],
            },
            {
                "key": "income",
                "label": _l("Income", "Dochody"),
                "fields": [
                    _f(
                        "income_sources",
                        "group",
                        "Sources of income",
                        "Źródła dochodu",
                        help=_l(
                            "Each source of the household's income in the month before the "
                            "application, net.",
                            "Każde źródło dochodu gospodarstwa z miesiąca poprzedzającego "
                            "złożenie wniosku, netto.",
                        ),
                        max_items=30,
                        fields=[
                            _f(
                                "source",
                                "choice",
                                "Source",
                                "Źródło",
                                lookup="pl_income_source",
                                required=True,
                            ),
                            _f("recipient", "text", "Who receives it", "Kto otrzymuje"),
                            _f(
                                "amount",
                                "number",
                                "Monthly amount, net (PLN)",
                                "Kwota miesięczna netto (zł)",
                                min=0,
                                max=1000000,
                                required=True,
                            ),
                        ],
                    ),
                ],
            },
            {
                "key": "difficulties",
                "label": _l("Difficulties and problems", "Trudności i problemy"),
                "fields": [
                    _f(
                        "assistance_reasons",
                        "multichoice",
                        "Reasons for assistance",
                        "Powody przyznania pomocy",
                        lookup="pl_assistance_reasons",
                        required=True,
                        searchable=True,
                        help=_l(
                            "Art. 7 of the Social Assistance Act of 12 March 2004.",
                            "Art. 7 ustawy z dnia 12 marca 2004 r. o pomocy społecznej.",
                        ),
                    ),
                    _f(
                        "needs_expectations",
                        "textarea",
                        "Needs and expectations reported during the interview",
                        "Potrzeby i oczekiwania zgłoszone w trakcie wywiadu",
                        required=True,
                        max_length=4000,
                    ),
                ],
            },
            {
                "key": "needs",
                "label": _l("Needs by domain", "Potrzeby według obszarów"),
                "fields": _core("needs", "needs_notes"),
            },
            {
                "key": "worker_assessment",
                "label": _l(
                    "The social worker's assessment",
                    "Ocena sytuacji przez pracownika socjalnego",
                ),
                "fields": [
                    _f(
                        "diagnosis",
                        "textarea",
                        "Diagnosis of the situation and conclusions",
                        "Diagnoza sytuacji i wnioski",
                        required=True,
                        max_length=8000,
                    ),
                    *_core("strengths", "risk_decided"),
                ],
            },
            {
                "key": "help_plan",
                "label": _l("Proposed help plan", "Proponowany plan pomocy"),
                "fields": [
                    _f(
                        "proposed_help",
                        "textarea",
                        "Proposed help and its aims",
                        "Proponowane formy pomocy i ich cele",
                        required=True,
                        max_length=8000,
                    ),
                    _f(
                        "social_contract",
                        "boolean",
                        "A social contract is proposed",
                        "Proponuje się zawarcie kontraktu socjalnego",
                    ),
                ],
            },
        ],
    },
}

BLUE_CARD_A = {
    "key": "pl_niebieska_karta_a",
    "stage": "intake",
    "labels": _l("Blue Card – A (main parts)", "Niebieska Karta – A (części główne)"),
    "content": {
        "note": CHECK_NOTE_NK,
        "sections": [
            {
                "key": "intake",
                "label": _l("How the case came to us", "Skąd wiemy o sprawie"),
                "fields": _core("source", "consent_to_share"),
            },
            {
                "key": "person_experiencing",
                "label": _l(
                    "Persons experiencing domestic violence",
                    "Osoby doznające przemocy domowej",
                ),
                "fields": [
                    _f(
                        "persons_experiencing",
                        "group",
                        "Persons experiencing domestic violence",
                        "Osoby doznające przemocy domowej",
                        help=_l(
                            "Every person experiencing domestic violence is named on the form.",
                            "W formularzu wskazuje się wszystkie osoby doznające przemocy domowej.",
                        ),
                        min_items=1,
                        max_items=15,
                        fields=[
                            _f(
                                "person",
                                "person",
                                "In the registry",
                                "Osoba w rejestrze",
                            ),
                            _f("name", "text", "Name", "Imię i nazwisko", required=True),
                            _f(
                                "birth_date", "date", "Date of birth", "Data urodzenia", max="today"
                            ),
                            _f("address", "text", "Address", "Adres zamieszkania"),
                        ],
                    ),
                ],
            },
            {
                "key": "person_using",
                "label": _l(
                    "Persons suspected of using domestic violence",
                    "Osoby, wobec których istnieje podejrzenie, że stosują przemoc domową",
                ),
                "fields": [
                    _f(
                        "persons_using",
                        "group",
                        "Persons suspected of using domestic violence",
                        "Osoby podejrzewane o stosowanie przemocy domowej",
                        min_items=1,
                        max_items=10,
                        fields=[
                            _f(
                                "person",
                                "person",
                                "In the registry",
                                "Osoba w rejestrze",
                            ),
                            _f("name", "text", "Name", "Imię i nazwisko", required=True),
                            _f(
                                "birth_date", "date", "Date of birth", "Data urodzenia", max="today"
                            ),
                            _f(
                                "relation",
                                "choice",
                                "Relation to the person experiencing violence",
                                "Relacja z osobą doznającą przemocy",
                                lookup="family_relation",
                            ),
                            _f(
                                "intoxicated",
                                "boolean",
                                "Under the influence of alcohol or drugs",
                                "Pod wpływem alkoholu lub środków odurzających",
                            ),
                        ],
                    ),
                ],
            },
            {
                "key": "witnesses",
                "label": _l(
                    "Witnesses and children in the household",
                    "Świadkowie i dzieci w gospodarstwie domowym",
                ),
                "fields": [
                    _f(
                        "children",
                        "group",
                        "Children in the household",
                        "Dzieci w gospodarstwie domowym",
                        max_items=15,
                        fields=[
                            _f("name", "text", "Name", "Imię i nazwisko", required=True),
                            _f(
                                "birth_date", "date", "Date of birth", "Data urodzenia", max="today"
                            ),
                            _f(
                                "witnessed",
                                "boolean",
                                "Witnessed the violence",
                                "Był(a) świadkiem przemocy",
                            ),
                        ],
                    ),
                    _f(
                        "other_witnesses",
                        "textarea",
                        "Other witnesses",
                        "Inni świadkowie",
                        max_length=2000,
                    ),
                ],
            },
            {
                "key": "violence",
                "label": _l("Forms of violence", "Formy przemocy"),
                "fields": [
                    _f(
                        "violence_forms",
                        "multichoice",
                        "Forms of domestic violence",
                        "Formy przemocy domowej",
                        lookup="nk_violence_forms",
                        required=True,
                        searchable=True,
                    ),
                    _f(
                        "violence_other",
                        "text",
                        "Other form: which",
                        "Inna forma: jaka",
                        show_if={"field": "violence_forms", "in": ["other"]},
                        required_if={"field": "violence_forms", "in": ["other"]},
                        max_length=255,
                    ),
                ],
            },
            {
                "key": "circumstances",
                "label": _l("Circumstances and description", "Okoliczności i opis zdarzenia"),
                "fields": [
                    _f(
                        "incident_date",
                        "date",
                        "Date of the incident",
                        "Data zdarzenia",
                        max="today",
                    ),
                    _f("incident_place", "text", "Place", "Miejsce zdarzenia", max_length=255),
                    *_core("presenting_concerns"),
                ],
            },
            {
                "key": "actions",
                "label": _l("Actions taken", "Podjęte działania"),
                "fields": [
                    _f(
                        "actions_taken",
                        "multichoice",
                        "Actions taken",
                        "Podjęte działania",
                        lookup="nk_actions_taken",
                    ),
                    _f(
                        "actions_notes",
                        "textarea",
                        "Details of the actions",
                        "Opis działań",
                        max_length=4000,
                    ),
                ],
            },
            {
                "key": "threat",
                "label": _l(
                    "Assessment of the threat to life or health",
                    "Ocena zagrożenia życia lub zdrowia",
                ),
                "fields": [
                    *_core("immediate_safety"),
                    _f(
                        "threat_to_life",
                        "boolean",
                        "Life or health is in danger",
                        "Zagrożenie życia lub zdrowia",
                        required=True,
                    ),
                    _f(
                        "weapon",
                        "boolean",
                        "Threatened with or used a weapon or dangerous object",
                        "Groźby użycia lub użycie broni albo niebezpiecznego przedmiotu",
                    ),
                    _f(
                        "threat_notes",
                        "textarea",
                        "What the danger consists in",
                        "Na czym polega zagrożenie",
                        required_if={"field": "threat_to_life", "equals": True},
                        max_length=4000,
                    ),
                ],
            },
        ],
    },
}

DRAFT_FORMS: list[dict] = [COMMUNITY_INTERVIEW, BLUE_CARD_A]


# --- seeding ------------------------------------------------------------------------------


def _lookups_snapshot(Lookup) -> dict[str, list[dict]]:
    """Global lookups as a version keeps them (what selectors.lookups_for(None) returns)."""
    return {
        lookup.key: [
            {"code": v.code, "labels": v.labels, "active": v.is_active}
            for v in lookup.values.order_by("order", "code")
        ]
        for lookup in Lookup.objects.filter(office__isnull=True)
    }


def _used_lookups(content: dict) -> set[str]:
    return {
        f["lookup"]
        for section in content.get("sections") or []
        for top in section.get("fields") or []
        for f in [top, *(top.get("fields") or [])]
        if f.get("lookup")
    }


def _create_lookups(apps) -> int:
    Lookup = apps.get_model("case_flows", "Lookup")
    LookupValue = apps.get_model("case_flows", "LookupValue")
    created = 0
    for spec in LOOKUPS:
        lookup, new = Lookup.objects.get_or_create(
            office=None, key=spec["key"], defaults={"labels": spec["labels"]}
        )
        if not new:
            continue  # an administrator's lookup (or an earlier seed) stays as it is
        created += 1
        LookupValue.objects.bulk_create(
            LookupValue(lookup=lookup, code=v["code"], labels=v["labels"], order=order)
            for order, v in enumerate(spec["values"])
        )
    return created


def _problems(spec: dict, lookups: dict) -> list[str]:
    return definition_problems(
        spec["content"], stage=spec["stage"], lookups=lookups, languages=default_languages(None)
    )


def _create_definition(apps, spec: dict, *, publish: bool, lookups: dict) -> bool:
    FormDefinition = apps.get_model("case_flows", "FormDefinition")
    FormVersion = apps.get_model("case_flows", "FormVersion")
    CaseTypeForm = apps.get_model("case_flows", "CaseTypeForm")
    if FormDefinition.objects.filter(office__isnull=True, key=spec["key"]).exists():
        return False
    if publish and _problems(spec, lookups):
        # A mistake in this file (the built-ins use no lookup), not something an office fixes.
        raise ValueError(
            f"Seeded form {spec['key']} cannot be published: {_problems(spec, lookups)}"
        )
    # A draft is created even if an office's own global lookup of the same key lacks a code
    # it names: drafts may have problems, the builder shows them, and they stop only publishing.
    definition = FormDefinition.objects.create(
        office=None,
        key=spec["key"],
        labels=spec["labels"],
        stage=spec["stage"],
        is_draft_template=not publish,
    )
    version = FormVersion(definition=definition, number=1, content=spec["content"])
    if publish:
        version.lookups = {k: lookups[k] for k in _used_lookups(spec["content"]) if k in lookups}
        version.json_schema = json_schema(spec["content"], version.lookups)
        version.status = "published"
        version.published_at = timezone.now()
    version.save()
    default = CaseTypeForm.objects.filter(
        office__isnull=True, category__isnull=True, stage=spec["stage"]
    )
    if publish and not default.exists():
        CaseTypeForm.objects.create(
            office=None, category=None, stage=spec["stage"], definition=definition
        )
    return True


def seed_form_definitions(apps=None) -> dict[str, int]:
    """Create the seeded lookups and definitions that do not exist yet; returns how many of
    each it created. `apps`: the data migration's model registry (default: the app's)."""
    apps = apps or django_apps
    with transaction.atomic():
        lookups_created = _create_lookups(apps)
        lookups = _lookups_snapshot(apps.get_model("case_flows", "Lookup"))
        created = sum(
            _create_definition(apps, spec, publish=True, lookups=lookups) for spec in BUILT_IN_FORMS
        )
        drafts = sum(
            _create_definition(apps, spec, publish=False, lookups=lookups) for spec in DRAFT_FORMS
        )
    return {"lookups": lookups_created, "published": created, "drafts": drafts}
