import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the admin account named by DJANGO_SUPERUSER_USERNAME and "
        "DJANGO_SUPERUSER_PASSWORD (and DJANGO_SUPERUSER_EMAIL) unless it exists. "
        "Does nothing when they are not set; never changes an existing account."
    )

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if not username:
            self.stdout.write("DJANGO_SUPERUSER_USERNAME is not set: no admin account created.")
            return
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin account “{username}” already exists; left unchanged.")
            return
        if not password:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is not set: cannot create the admin.")
        user = User(username=username, email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Admin password refused: " + " ".join(error.messages)) from error
        user = User.objects.create_superuser(username=username, email=email, password=password)
        if email:
            # The operator named the address: it needs no confirmation mail to log in.
            EmailAddress.objects.create(user=user, email=email.lower(), primary=True, verified=True)
        self.stdout.write(f"Admin account “{username}” created.")
