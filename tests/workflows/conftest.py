import pytest

from workflows.sla.calendar import clear_calendar_cache
from workflows.sla.hooks import _handlers


@pytest.fixture(autouse=True)
def _fresh_sla_state():
    """Calendars are cached per office and handlers are process-wide: isolate each test."""
    clear_calendar_cache()
    saved = list(_handlers)
    yield
    _handlers[:] = saved
    clear_calendar_cache()
