"""Sync against a real slapd: people created, updated, deactivated; groups, rules; no change, no write."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ldap3 import MODIFY_REPLACE

from escalade.accounts.models import Role, User
from escalade.core.models import Event
from escalade.directory.client import DirectoryUnavailable
from escalade.directory.models import AccessGrant, DirectoryAccount, DirectoryGroup
from escalade.directory.services import directories_sync, directory_sync_now
from tests.directory.conftest import Directories, person_dn

WRITES = ("INSERT", "UPDATE", "DELETE")


def test_first_sync_creates_the_people_of_the_directory_in_its_organisation(directories: Directories) -> None:
    summary = directory_sync_now(actor=None, directory=directories.a)

    assert summary is not None
    assert (summary.created, summary.updated, summary.deactivated) == (3, 0, 0)
    people = {user.email: user for user in User.objects.filter(directory_account__directory=directories.a)}
    assert set(people) == {"alice@a.example", "amanda@a.example", "arthur@a.example"}
    assert {user.organisation_id for user in people.values()} == {directories.a.organisation_id}
    assert not people["alice@a.example"].has_usable_password()
    assert people["amanda@a.example"].role == Role.CLIENT_MANAGER  # the "managers" group rule
    assert people["alice@a.example"].role == Role.REQUESTER
    alice = DirectoryAccount.objects.get(user=people["alice@a.example"])
    assert alice.manager_dn == person_dn("a", "amanda")
    assert alice.secondary_email == "alice.perso@home.example"
    finance = DirectoryGroup.objects.get(directory=directories.a, name="share-finance")
    assert finance.owner == people["amanda@a.example"]
    assert list(AccessGrant.objects.filter(group=finance).values_list("account__user__email", flat=True)) == [
        "amanda@a.example"
    ]
    assert Event.objects.filter(action="directory.synced", object_id=directories.a.pk).count() == 1


def test_a_resync_with_no_change_writes_nothing(directories: Directories) -> None:
    directory_sync_now(actor=None, directory=directories.a)

    with CaptureQueriesContext(connection) as queries:
        summary = directory_sync_now(actor=None, directory=directories.a)

    assert summary is not None
    assert not summary.changed
    writes = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []


def test_changes_and_leavers_are_applied_on_the_next_sync(directories: Directories) -> None:
    directory_sync_now(actor=None, directory=directories.a)
    admin = directories.admin()
    admin.modify(person_dn("a", "arthur"), {"title": [(MODIFY_REPLACE, ["Comptable"])]})
    admin.delete(person_dn("a", "alice"))
    admin.modify(
        f"cn=share-finance,ou=groups,{directories.a.base_dn}",
        {"member": [(MODIFY_REPLACE, [person_dn("a", "amanda"), person_dn("a", "arthur")])]},
    )

    summary = directory_sync_now(actor=None, directory=directories.a)

    assert summary is not None
    assert (summary.created, summary.updated, summary.deactivated) == (0, 1, 1)
    assert User.objects.get(email="arthur@a.example").job_title == "Comptable"
    assert not User.objects.get(email="alice@a.example").is_active
    assert AccessGrant.objects.filter(
        account__user__email="arthur@a.example", group__name="share-finance"
    ).exists()


def test_one_directory_syncs_only_its_own_subtree_into_its_own_organisation(directories: Directories) -> None:
    directories_sync()

    assert set(
        User.objects.filter(directory_account__directory=directories.b).values_list("email", flat=True)
    ) == {"bruno@b.example"}
    assert User.objects.get(email="bruno@b.example").organisation_id == directories.b.organisation_id


def test_a_local_account_of_another_organisation_is_never_taken_over(directories: Directories) -> None:
    intruder = User.objects.create_user(
        "bruno@b.example", "x", full_name="Bruno", organisation=directories.a.organisation
    )

    summary = directory_sync_now(actor=None, directory=directories.b)

    assert summary is not None
    assert summary.skipped == 1
    intruder.refresh_from_db()
    assert intruder.organisation_id == directories.a.organisation_id
    assert not DirectoryAccount.objects.filter(user=intruder).exists()


def test_an_unreachable_directory_is_reported_on_the_directory(directories: Directories) -> None:
    directories.server.stop()

    with pytest.raises(DirectoryUnavailable):
        directory_sync_now(actor=None, directory=directories.a)

    directories.a.refresh_from_db()
    assert "L'annuaire est injoignable." in directories.a.last_sync_error


def test_a_directory_never_creates_people_in_another_organisations_domain(directories: Directories) -> None:
    directories.admin().modify(person_dn("a", "arthur"), {"mail": [(MODIFY_REPLACE, ["arthur@b.example"])]})

    summary = directory_sync_now(actor=None, directory=directories.a)

    assert summary is not None
    assert summary.skipped == 1
    assert not User.objects.filter(email="arthur@b.example").exists()
