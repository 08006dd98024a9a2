def moderation(request):
    """
    For moderators only: how many proposals wait, for the site header and the
    admin index: one indexed count per page a moderator opens.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    from submissions.models import Submission
    from submissions.services import can_moderate

    if not can_moderate(user):
        return {}
    return {"is_moderator": True, "pending_proposals": Submission.objects.pending().count()}
