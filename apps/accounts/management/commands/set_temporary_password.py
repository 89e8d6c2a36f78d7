"""Give a user a temporary password they must replace at their next sign-in (IAM-14)."""

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.accounts.services import user_temporary_password_set
from backend.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Set a temporary password for a user (generated unless --password); they must change it at sign-in."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's e-mail address.")
        parser.add_argument("--password", default="", help="The temporary password (default: a random one).")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with e-mail {options['email']!r}.")
        try:
            password = user_temporary_password_set(user=user, actor=None, password=options["password"] or None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Temporary password for {user.email}: {password}")
        self.stdout.write("They must choose a new password when they next sign in.")
