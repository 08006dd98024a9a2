"""
Accounts made before allauth: store each username's skeleton, and give each
account's address an (unverified) allauth record, so its owner can ask for
the verification mail. Backwards it does nothing: the skeletons' table goes,
and the address records are allauth's.
"""

from django.conf import settings
from django.db import migrations


def fill(apps, schema_editor):
    from accounts.names import skeleton

    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    AccountName = apps.get_model("accounts", "AccountName")
    EmailAddress = apps.get_model("account", "EmailAddress")
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    for user in User.objects.order_by("pk").iterator():
        AccountName.objects.update_or_create(
            user_id=user.pk, defaults={"skeleton": skeleton(user.username)}
        )
        email = (user.email or "").strip().lower()
        # One record per address: a second account with the same one keeps none.
        if (
            email
            and email not in taken
            and not EmailAddress.objects.filter(user_id=user.pk).exists()
        ):
            EmailAddress.objects.create(user_id=user.pk, email=email, primary=True, verified=False)
            taken.add(email)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_account_name_skeletons"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
