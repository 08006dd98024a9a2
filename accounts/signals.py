"""Receivers: each username's skeleton kept current, and a reset lifting a lockout."""

from allauth.account.signals import password_reset
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.lockout import lockout_lift
from accounts.models import AccountName
from accounts.names import skeleton


@receiver(post_save, sender=get_user_model())
def store_username_skeleton(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and "username" not in update_fields):
        return  # a login's last_login update, or a fixture being loaded
    AccountName.objects.update_or_create(
        user=instance, defaults={"skeleton": skeleton(instance.get_username())}
    )


@receiver(password_reset)
def lift_lockout_after_reset(sender, request, user, **kwargs):
    # Whoever reset the password holds the mailbox: the guesses before it are moot.
    lockout_lift(user=user)
