from functools import wraps

from allauth.account.models import EmailAddress
from allauth.account.utils import has_verified_email
from django.shortcuts import render


def verified_email_required(view):
    """
    Refuse, with a way to get the verification mail again, a logged-in account
    whose address nobody has confirmed. Goes inside ``login_required``.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if has_verified_email(request.user):
            return view(request, *args, **kwargs)
        address = EmailAddress.objects.filter(user=request.user).order_by("-primary").first()
        return render(
            request, "account/verified_email_required.html", {"address": address}, status=403
        )

    return wrapper
