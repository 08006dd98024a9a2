"""Background tasks of the library app, run by whatever backend settings.TASKS names."""

from django.tasks import task

from library.services import digests_send


@task
def send_digests() -> int:
    """Send the digests that are due; returns how many mails went out."""
    return digests_send()
