"""Sign-in with a client organisation's directory password (an extra authentication backend).

The e-mail domain picks the organisation (``OrganisationDomain``), the organisation its active
directories; the person is found with Escalade's bind account, then a bind as that person checks the
password. On success the person's account is created or refreshed from the entry. Local accounts keep
signing in through Django's ``ModelBackend``, listed before this one.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db import transaction
from django.http import HttpRequest

from escalade.accounts.models import Role, User
from escalade.directory import client
from escalade.directory.models import Directory, DirectoryAccount
from escalade.directory.selectors import directories_for_email
from escalade.directory.sync import Person, account_values, person_from, user_values

logger = logging.getLogger(__name__)


class DirectoryBackend(BaseBackend):
    """Authenticates ``username`` (an e-mail address or a directory login) against the directories of
    the organisation that owns its e-mail domain."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        for directory in directories_for_email(username.strip().lower()):
            try:
                user = self._authenticate(directory, username.strip(), password)
            except client.DirectoryUnavailable as error:
                logger.warning("directory %s unavailable at sign-in: %s", directory.pk, error.detail)
                continue
            if user is not None:
                return user
        return None

    def _authenticate(self, directory: Directory, username: str, password: str) -> User | None:
        with client.service_connection(directory) as connection:
            entry = client.find_person(connection, directory, login_or_email=username)
        if entry is None or not client.check_password(directory, dn=entry.dn, password=password):
            return None
        person = person_from(entry, directory, role=Role.REQUESTER)
        if person is None:
            return None
        return account_upsert(directory=directory, person=person)

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()


@transaction.atomic
def account_upsert(*, directory: Directory, person: Person) -> User | None:
    """The Escalade person for a directory person who just signed in (created on first sign-in; None if
    the address belongs to another organisation's person)."""
    account = (
        DirectoryAccount.objects.select_related("user")
        .filter(directory=directory, unique_id=person.unique_id)
        .first()
    )
    if account is not None:
        user = account.user
        role = user.role  # the sync's group rules decide roles, not a sign-in
        user_values(user, person, directory)
        user.role = role
        user.save()
        if account.fingerprint != person.fingerprint:
            account_values(account, person)
            account.fingerprint = ""  # the next sync recomputes the role and the hash
            account.save()
        return user if user.is_active else None
    existing = User.objects.filter(email=person.email).first()
    if existing is not None and (
        existing.organisation_id != directory.organisation_id or hasattr(existing, "directory_account")
    ):
        return None
    created = existing or User.objects.create_user(
        person.email, None, full_name=person.full_name, organisation_id=directory.organisation_id
    )
    user_values(created, person, directory)
    created.save()
    account = DirectoryAccount(directory=directory, user=created, unique_id=person.unique_id)
    account_values(account, person)
    account.save()
    return created
