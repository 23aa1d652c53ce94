"""Date formats per language (settings.FORMAT_MODULE_PATH), one for each language.

Django's "en" formats are American (11/30/2026, "Nov. 30, 2026"); the offices write dates
day first, so English uses the British style and Polish its own numeric style. Anything not
set here (input formats, number separators) comes from Django's own locale files.
"""
