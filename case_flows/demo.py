"""Demo cases: filled in below."""


def seed_cases():
    return "no demo cases yet"
