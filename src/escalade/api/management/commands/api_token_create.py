"""``escalade manage api_token_create <email> <name>``: issue an API token and print its key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.accounts.models import User
from escalade.api.services import api_token_create
from escalade.core.actors import Actor
from escalade.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API token for a person and print its key (shown this once only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the person's e-mail address")
        parser.add_argument("name", help="what the token is for, e.g. 'monitoring'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=str(options["email"]).strip().lower()).first()
        if user is None:
            raise CommandError(f"no person with the e-mail address {options['email']}")
        try:
            token, key = api_token_create(
                actor=Actor.system("manage api_token_create"), user=user, name=options["name"]
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Token {token.name!r} ({token.key_prefix}…) for {user.email}; keep the key:")
        self.stdout.write(key)
