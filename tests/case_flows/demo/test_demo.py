"""The demo data as a newcomer meets it: each office writes in its own language and both
provider logins find referrals waiting for them (issue #13). The demo is loaded once for the
module (`demo`, tests/conftest.py)."""

from accounts.models import User
from case_flows.models import Case, CaseEvent, PlanGoal, ReferralStatus
from case_flows.referrals import selectors as referrals


def test_demo_texts_are_in_each_offices_language_and_providers_have_work(db, demo):
    soc_goals = set(
        PlanGoal.objects.filter(plan__case__office__code="SOC").values_list(
            "description", flat=True
        )
    )
    bek_goals = set(
        PlanGoal.objects.filter(plan__case__office__code="BEK").values_list(
            "description", flat=True
        )
    )
    assert soc_goals and bek_goals
    assert "Bezpieczna i stabilna sytuacja w domu" in soc_goals
    assert "Safe and stable at home" not in soc_goals
    assert "Safe and stable at home" in bek_goals
    soc_concerns = set(
        Case.objects.filter(office__code="SOC").values_list(
            "intake__presenting_concerns", flat=True
        )
    )
    assert not any("Child out of school" in c for c in soc_concerns)
    # the automatic allocation note too
    notes = CaseEvent.objects.filter(case__office__code="SOC", kind="allocated")
    assert notes.exists() and all(n.comment.startswith("Przydzielono") for n in notes)
    # the Ghana office is never offered, nor given, the Polish Blue Card category
    assert not Case.objects.filter(office__code="BEK", category__code="domestic_violence").exists()
    for username in ("provider", "dostawca"):
        user = User.objects.get(username=username)
        waiting = referrals.referrals_to_provider_of(user).filter(status=ReferralStatus.SENT)
        assert waiting.exists(), f"{username} has no referral waiting"


def test_the_demos_past_is_on_record_but_not_emailed(db, demo):
    """Loading the demo writes its history's notifications (read) but sends no e-mail or
    SMS about events weeks old: the mailbox is not flooded."""
    from notifications.models import Delivery, Notification

    assert Notification.objects.exists()
    assert not Delivery.objects.exists()
