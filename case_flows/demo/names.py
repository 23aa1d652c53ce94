"""Invented names and the case texts of the demo, plausible for each country and language."""

from accounts.models import Office

NAMES = {
    "GH": {
        "female": [
            "Ama",
            "Akosua",
            "Abena",
            "Akua",
            "Yaa",
            "Afua",
            "Efua",
            "Adwoa",
            "Esi",
            "Serwaa",
        ],
        "male": [
            "Kwame",
            "Kofi",
            "Kwabena",
            "Kwaku",
            "Yaw",
            "Kojo",
            "Kwasi",
            "Fiifi",
            "Nana",
            "Yeboah",
        ],
        "family": [
            "Mensah",
            "Owusu",
            "Asante",
            "Boateng",
            "Osei",
            "Appiah",
            "Agyeman",
            "Ofori",
            "Darko",
            "Acheampong",
            "Frimpong",
            "Amoah",
            "Danquah",
            "Sarpong",
            "Bonsu",
        ],
    },
    "PL": {
        "female": [
            "Anna",
            "Zofia",
            "Małgorzata",
            "Agnieszka",
            "Katarzyna",
            "Barbara",
            "Ewa",
            "Joanna",
            "Jadwiga",
            "Łucja",
        ],
        "male": [
            "Jan",
            "Łukasz",
            "Krzysztof",
            "Paweł",
            "Tomasz",
            "Piotr",
            "Stanisław",
            "Józef",
            "Wojciech",
            "Grzegorz",
        ],
        # (masculine, feminine)
        "family": [
            ("Nowak", "Nowak"),
            ("Kowalski", "Kowalska"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Kowalczyk", "Kowalczyk"),
            ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"),
            ("Szymański", "Szymańska"),
            ("Woźniak", "Woźniak"),
            ("Dąbrowski", "Dąbrowska"),
            ("Żółkiewski", "Żółkiewska"),
            ("Jabłoński", "Jabłońska"),
            ("Król", "Król"),
        ],
    },
}


# What the demo's caseworkers and supervisors write, in each office's language.
TEXTS = {
    "en": {
        "concerns": {
            "child_protection": "Child out of school and often left alone; neighbours worried.",
            "gbv": "Woman reports repeated violence by her partner and needs safe shelter.",
            "domestic_violence": "Blue Card procedure opened by the police after a call-out.",
            "older_people": "Older person living alone, unable to manage daily tasks.",
            "disability": "Young adult with a disability needs support to access services.",
            "poverty": "Household without income after job loss; children's needs unmet.",
        },
        "strengths": [
            "Supportive extended family",
            "Engaged with the school",
            "Church community helps",
            "Motivated to change",
        ],
        "strengths_revised": "Supportive extended family; school engaged",
        "return_comment": "Please add the school's and the family's views.",
        "goals": ["Safe and stable at home", "Access to the services needed"],
        "action": "Home visit with the family",
        "follow_up_note": "Family engaging with the plan.",
        "closing_note": "Goals met; family stable.",
        "closure_summary": "Goals of the plan were met.",
        "services": ["Health", "Education", "Legal aid", "Shelter"],
        "providers": [
            "District Hospital",
            "Legal Aid Office",
            "Municipal school",
            "Women's shelter",
        ],
        "places": ["Bekwai", "Anwiankwanta", "Esaase", "Kokofu"],
    },
    "pl": {
        "concerns": {
            "child_protection": "Dziecko nie chodzi do szkoły i często zostaje samo w domu; "
            "sąsiedzi są zaniepokojeni.",
            "gbv": "Kobieta zgłasza powtarzającą się przemoc ze strony partnera i potrzebuje "
            "bezpiecznego schronienia.",
            "domestic_violence": "Procedura Niebieskiej Karty wszczęta przez policję po "
            "interwencji.",
            "older_people": "Osoba starsza mieszka sama i nie radzi sobie z codziennymi "
            "czynnościami.",
            "disability": "Młoda osoba z niepełnosprawnością potrzebuje wsparcia w dostępie "
            "do usług.",
            "poverty": "Rodzina bez dochodu po utracie pracy; potrzeby dzieci nie są zaspokojone.",
        },
        "strengths": [
            "Wsparcie dalszej rodziny",
            "Dobra współpraca ze szkołą",
            "Pomoc ze strony parafii",
            "Motywacja do zmiany",
        ],
        "strengths_revised": "Wsparcie dalszej rodziny; szkoła zaangażowana",
        "return_comment": "Proszę uzupełnić ocenę o opinię szkoły i rodziny.",
        "goals": ["Bezpieczna i stabilna sytuacja w domu", "Dostęp do potrzebnych usług"],
        "action": "Wizyta w miejscu zamieszkania rodziny",
        "follow_up_note": "Rodzina współpracuje przy realizacji planu.",
        "closing_note": "Cele osiągnięte; sytuacja rodziny jest stabilna.",
        "closure_summary": "Cele planu pomocy zostały osiągnięte.",
        "services": ["Opieka zdrowotna", "Edukacja", "Pomoc prawna", "Schronienie"],
        "providers": [
            "Szpital Powiatowy",
            "Nieodpłatna pomoc prawna",
            "Szkoła Podstawowa nr 1",
            "Ośrodek Interwencji Kryzysowej",
        ],
        "places": ["Sochaczew", "Boryszew", "Chodaków", "Żelazowa Wola"],
    },
}


def texts_for(office: Office) -> dict:
    return TEXTS.get(office.default_language, TEXTS["en"])
