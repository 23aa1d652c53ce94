"""What the generated dataset looks like: CaseFlow's human nodes and stages, the proportions,
regions and names, and the tables written."""

FLOW = "case_flows/flows.CaseFlow"
WORK = "case_flows.work_case"
ALLOCATE = "case_flows.allocate_case"
APPROVE = "case_flows.approve_case"

# The human nodes of CaseFlow in the order a case meets them, with the permission of each.
PATH = [
    ("allocate", ALLOCATE),
    ("intake", WORK),
    ("assess", WORK),
    ("approve_assessment", APPROVE),
    ("plan", WORK),
    ("approve_plan", APPROVE),
    ("arrange_referrals", WORK),
    ("follow_up", WORK),
    ("prepare_closure", WORK),
    ("approve_closure", APPROVE),
]
NODE_INDEX = {name: i for i, (name, _perm) in enumerate(PATH)}
PERMISSION = dict(PATH)
TITLES = {
    "allocate": "Allocate case",
    "intake": "Complete intake",
    "assess": "Assess",
    "approve_assessment": "Approve assessment",
    "plan": "Write the case plan",
    "approve_plan": "Approve case plan",
    "arrange_referrals": "Arrange referrals and services",
    "follow_up": "Follow up",
    "prepare_closure": "Prepare closure",
    "approve_closure": "Approve closure",
}
STAGE_OF_NODE = {
    "allocate": "intake",
    "intake": "intake",
    "assess": "assessment",
    "approve_assessment": "assessment",
    "plan": "planning",
    "approve_plan": "planning",
    "arrange_referrals": "referral",
    "follow_up": "follow_up",
    "prepare_closure": "follow_up",
    "approve_closure": "closing",
}
# Transitions leading into each stage (from, to, transition name), for the timeline.
INTO_STAGE = {
    "assessment": ("intake", "assessment", "complete_intake"),
    "planning": ("assessment", "planning", "approve_assessment"),
    "referral": ("planning", "referral", "approve_plan"),
    "follow_up": ("referral", "follow_up", "complete_referrals"),
    "closing": ("follow_up", "closing", "propose_closure"),
    "closed": ("closing", "closed", "approve_closure"),
}
STAGE_ORDER = ["intake", "assessment", "planning", "referral", "follow_up", "closing", "closed"]

OPEN_SHARE = 0.15
# Where open cases wait (node, weight): most are with caseworkers, some wait for a supervisor.
OPEN_NODES = [
    ("allocate", 6),
    ("intake", 6),
    ("assess", 19),
    ("approve_assessment", 6),
    ("plan", 11),
    ("approve_plan", 4),
    ("arrange_referrals", 10),
    ("follow_up", 31),
    ("prepare_closure", 2),
    ("approve_closure", 5),
]
RISKS = [("high", 15), ("medium", 45), ("low", 40)]
CATEGORY_WEIGHTS = {
    "child_protection": 30,
    "gbv": 10,
    "domestic_violence": 15,
    "older_people": 12,
    "disability": 10,
    "poverty": 23,
}
UNCLAIMED_SHARE = 0.08  # caseworker tasks released back to the team queue
BREACHED_SHARE = 0.12  # open-task deadlines already missed
LATE_SHARE = 0.18  # finished tasks and stages whose deadline had passed when they were done

GH_REGIONS = [
    "Greater Accra",
    "Ashanti",
    "Western",
    "Western North",
    "Central",
    "Eastern",
    "Volta",
    "Oti",
    "Northern",
    "Savannah",
    "North East",
    "Upper East",
    "Upper West",
    "Bono",
    "Bono East",
    "Ahafo",
]
PL_REGIONS = [
    "dolnośląskie",
    "kujawsko-pomorskie",
    "lubelskie",
    "lubuskie",
    "łódzkie",
    "małopolskie",
    "mazowieckie",
    "opolskie",
    "podkarpackie",
    "podlaskie",
    "pomorskie",
    "śląskie",
    "świętokrzyskie",
    "warmińsko-mazurskie",
    "wielkopolskie",
    "zachodniopomorskie",
]
NAMES = {
    "GH": (
        ["Ama", "Akosua", "Abena", "Akua", "Yaa", "Afua", "Efua", "Adwoa", "Esi", "Serwaa"],
        ["Kwame", "Kofi", "Kwabena", "Kwaku", "Yaw", "Kojo", "Kwasi", "Fiifi", "Nana", "Yeboah"],
        ["Mensah", "Owusu", "Asante", "Boateng", "Osei", "Appiah", "Agyeman", "Ofori", "Darko"],
    ),
    "PL": (
        ["Anna", "Zofia", "Małgorzata", "Agnieszka", "Katarzyna", "Barbara", "Ewa", "Łucja"],
        ["Jan", "Łukasz", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał"],
        ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Żółkiewski"],
    ),
}
CONCERNS = [
    "Child out of school and working at the market.",
    "Neighbour reports repeated shouting and a child left alone at night.",
    "Elderly person living alone without regular meals.",
    "Family evicted, staying with relatives in one room.",
    "Teacher reports bruises and withdrawal.",
    "Caregiver lost income; rent arrears of three months.",
]
SOURCES = ["walk_in", "hotline", "police", "school", "health", "community"]
BIG_TABLES = [
    "case_flows_person",
    "case_flows_case",
    "case_flows_intake",
    "viewflow_process",
    "case_flows_caseprocess",
    "viewflow_task",
    "viewflow_task_previous",
    "case_flows_caseevent",
    "workflows_slaclock",
    "notifications_notification",
]
# Truncated before a run (CASCADE reaches everything that references them).
TRUNCATE = [
    "accounts_region",
    "accounts_office",
    "accounts_user",
    "accounts_team",
    "case_flows_person",
    "viewflow_process",
    "viewflow_task",
    # the dashboard's monthly sums describe the data being replaced
    "case_flows_dashboardmonth",
]
META_TABLE = "bench_meta"
