"""
Background work about proposals, run by the task worker (django.tasks): mail,
and asking proposed URLs whether they answer. Each task takes ids, not objects,
and calls a service; the services say what is done.
"""

from django.tasks import task

from submissions import emails


@task
def send_decision_mail(event_id: int) -> bool:
    """Mail a submitter the decision recorded by review-log entry ``event_id``."""
    return emails.send_decision(event_id=event_id)


@task
def send_moderators_digest() -> int:
    """Mail every moderator how many proposals wait; returns how many were mailed."""
    from submissions.services import moderators_notify  # services enqueue these tasks

    return moderators_notify()


@task
def check_proposal_url(submission_id: int) -> str:
    """Ask one proposal's URL whether it answers; returns the stored outcome."""
    from submissions.models import Submission
    from submissions.services import submission_check_url

    submission = Submission.objects.filter(pk=submission_id).exclude(url="").first()
    if submission is None:  # withdrawn and deleted, or no URL: nothing to ask
        return "gone"
    return submission_check_url(submission=submission).url_check


@task
def check_proposal_urls(recheck_after_hours: int = 24) -> int:
    """Ask every pending proposal's URL not checked lately; returns how many were asked."""
    from submissions.services import submission_check_url, submissions_due_for_url_check

    checked = 0
    for submission in submissions_due_for_url_check(recheck_after_hours=recheck_after_hours):
        submission_check_url(submission=submission)
        checked += 1
    return checked
