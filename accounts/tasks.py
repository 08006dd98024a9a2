"""
Account mail (address confirmation, password reset, "you already have an
account") rendered during the request and sent by the task worker, so that no
sign-up or reset waits on the mail server.
"""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_account_mail(
    *, subject: str, body: str, from_email: str, to: list[str], html: str = ""
) -> int:
    """
    Send one rendered account mail: ``body`` as text with ``html`` beside it,
    or, without a text part, ``html`` alone. Returns how many were sent (0 or 1).
    """
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html and body:
        message.attach_alternative(html, "text/html")
    elif html:
        message.body, message.content_subtype = html, "html"
    return message.send()
