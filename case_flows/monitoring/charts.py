"""The dashboard's charts: inline SVG bars computed here (no JavaScript), each followed on
the page by a table with the same numbers; every bar links to the cases behind it."""

from django.utils.translation import gettext as _

from workflows.sla.units import policy_display_name

from .figures import FIGURES, compliance_text, duration_text, month_text

CHART_WIDTH, LABEL_WIDTH, BAR_SPACE, ROW_HEIGHT, BAR_HEIGHT = 320, 118, 130, 26, 18


def bar_chart(label: str, bars: list[dict], *, scale: float | None = None) -> dict:
    """Horizontal bars for an inline SVG: each bar has label, value, text, url, alert.

    Geometry is formatted here as plain strings so no locale ever turns 12.5 into 12,5.
    """
    top = scale or max([b["value"] for b in bars] + [0]) or 1
    # Labels are shown whole (a cut label would not match the link's name): the label
    # column grows to the longest (about 6.5 units a character), the bars keep their room.
    label_width = max(LABEL_WIDTH, max([len(str(b["label"])) for b in bars] + [0]) * 6.5 + 12)
    rows = []
    for index, bar in enumerate(bars):
        width = BAR_SPACE * max(bar["value"], 0) / top
        y = index * ROW_HEIGHT + 4
        rows.append(
            {
                **bar,
                "y": f"{y}",
                "text_y": f"{y + 14}",
                "width": f"{width:.1f}",
                "value_x": f"{label_width + width + 4:.1f}",
            }
        )
    # Room after the longest bar for the longest value text.
    text_room = max([len(str(b["text"])) for b in bars] + [4]) * 6.5 + 8
    return {
        "label": label,
        "bars": rows,
        "height": f"{max(len(rows), 1) * ROW_HEIGHT + 4}",
        "label_width": f"{label_width:.1f}",
        "label_x": f"{label_width - 6:.1f}",
        "width": f"{max(CHART_WIDTH, label_width + BAR_SPACE + text_room):.0f}",
    }


def dashboard_charts(figures: dict) -> dict:
    """The page's charts; adds each row's drill-down link and text to the figures' rows."""
    f = figures["filters"]
    open_cases, overdue = figures["open_cases"], figures["overdue_tasks"]
    caseload, sla, stage_time = figures["caseload"], figures["sla"], figures["stage_time"]
    for row in overdue["by_owner"]:
        row["url"] = FIGURES["overdue_tasks"].link(f, owner=row["owner_id"] or "none")
    for row in caseload["caseworkers"]:
        row["url"] = FIGURES["caseload"].link(f, owner=row["owner_id"])
    for row in sla["by_month"]:
        row["url"] = FIGURES["sla"].link(f, month=row["month"])
        row["late_url"] = FIGURES["sla"].link(f, month=row["month"], outcome="late")
        row["text"] = compliance_text(row)
    for row in sla["by_policy"]:
        row["name"] = policy_display_name(row["name"])
        row["url"] = FIGURES["sla"].link(f, policy=row["policy"])
        row["late_url"] = FIGURES["sla"].link(f, policy=row["policy"], outcome="late")
        row["text"] = compliance_text(row)
    for row in stage_time["by_stage"]:
        row["url"] = FIGURES["stage_time"].link(f, stage=row["stage"])
        row["text"] = duration_text(row["average"])
    return {
        "stages": bar_chart(
            _("Open cases by stage"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": FIGURES["open_stage"].link(f, stage=r["stage"]),
                }
                for r in open_cases["by_stage"]
            ],
        ),
        "ages": bar_chart(
            _("Open cases by age"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": FIGURES["age"].link(f, bucket=r["bucket"]),
                    "alert": r["bucket"] == "181+" and r["count"] > 0,
                }
                for r in open_cases["ages"]
            ],
        ),
        "overdue_stages": bar_chart(
            _("Overdue tasks by stage"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": FIGURES["overdue_tasks"].link(f, stage=r["stage"]),
                    "alert": r["count"] > 0,
                }
                for r in overdue["by_stage"]
            ],
        ),
        "caseload": bar_chart(
            _("Open cases per caseworker"),
            [
                {
                    "label": r["name"],
                    "value": r["count"],
                    "text": f"{r['count']} / {r['threshold']}",
                    "url": r["url"],
                    "alert": r["over"],
                }
                for r in caseload["caseworkers"]
            ],
        ),
        "sla_months": bar_chart(
            _("Deadlines met on time, by month"),
            [
                {
                    "label": month_text(r["month"]),
                    "value": r["percent"] or 0,
                    "text": r["text"],
                    "url": r["url"],
                    "alert": r["percent"] is not None and r["percent"] < 80,
                }
                for r in sla["by_month"]
            ],
            scale=100,
        ),
        "stage_time": bar_chart(
            _("Average time in stage"),
            [
                {
                    "label": r["label"],
                    "value": r["average"].total_seconds() if r["average"] else 0,
                    "text": r["text"],
                    "url": r["url"],
                }
                for r in stage_time["by_stage"]
            ],
        ),
    }
