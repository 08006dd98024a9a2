from django.conf import settings
from django.db import models


class AccountName(models.Model):
    """
    The confusables skeleton of an account's username (accounts.names), kept
    beside the user so that a new name is compared with every existing one in
    one indexed query. Written by a signal whenever a username is saved.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_name",
    )
    skeleton = models.CharField(max_length=600, db_index=True)

    class Meta:
        verbose_name = "account name"

    def __str__(self):
        return self.skeleton
