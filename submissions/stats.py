"""Figures on proposals for the stats page: how many arrive, and how soon they are decided."""

import statistics
from datetime import timedelta

from django.utils import timezone

from catalog.charts import Row, column_chart
from submissions.models import Submission

WEEKS = 12


def proposal_activity(*, weeks: int = WEEKS) -> dict:
    """
    Proposals received in each of the last ``weeks`` weeks (Monday to Sunday,
    the current week last), and the median time from a proposal to its
    decision over the decisions of that period. Counts only: no proposal's
    content is shown.
    """
    today = timezone.localdate()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    since = timezone.make_aware(
        timezone.datetime.combine(first_monday, timezone.datetime.min.time())
    )
    counts = [0] * weeks
    for created_at in Submission.objects.filter(created_at__gte=since).values_list(
        "created_at", flat=True
    ):
        week = (timezone.localdate(created_at) - first_monday).days // 7
        if week < weeks:  # a clock ahead of this one's may date a proposal next week
            counts[week] += 1
    rows = [
        Row((first_monday + timedelta(weeks=number)).strftime("%d %b"), count)
        for number, count in enumerate(counts)
    ]
    waits = [
        (decided_at - created_at).total_seconds()
        for created_at, decided_at in Submission.objects.filter(decided_at__gte=since).values_list(
            "created_at", "decided_at"
        )
    ]
    return {
        "per_week": {"rows": rows, **column_chart(rows)},
        "received": sum(counts),
        "decided": len(waits),
        "median_wait": timedelta(seconds=statistics.median(waits)) if waits else None,
    }
