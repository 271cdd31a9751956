"""Directory sync of 10,000 people (target: at most 60 s) against a real slapd, and the re-sync that
finds nothing new (target: no write).

    .venv/bin/python benchmarks/directory.py                 # its own database, escalade_bench_directory
    .venv/bin/python benchmarks/directory.py --people 2000   # a smaller run

A slapd (Debian's package, ppolicy loaded, as the tests start it) is loaded offline with ``--people``
inetOrgPerson entries (a manager, a mobile, a secondary address each) and one groupOfNames per 100
people. Measured: the first sync (everyone created), a re-sync with no change (queries and writes
counted), and a sync after 1 % of the entries changed and 0.5 % left.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above
from tests.directory import slapd as ldap  # noqa: E402 - the same slapd as the tests

GROUP_SIZE = 100


def _ldif(people: int) -> str:
    parts = [ldap.base_ldif()]
    for index in range(people):
        manager = f"p{(index // GROUP_SIZE) * GROUP_SIZE:06d}" if index % GROUP_SIZE else ""
        parts.append(
            ldap.person_ldif(
                "a",
                f"p{index:06d}",
                name=f"Personne {index:06d}",
                email=f"p{index:06d}@bench.example",
                password="Bench-pw-1",  # noqa: S106 - a throw-away test server
                manager=manager,
                other_mailbox=f"p{index:06d}@perso.example",
                mobile=f"+3360{index:07d}",
            )
        )
    for group in range(0, people, GROUP_SIZE):
        members = [f"p{index:06d}" for index in range(group, min(group + GROUP_SIZE, people))]
        parts.append(ldap.group_ldif("a", f"group-{group // GROUP_SIZE:04d}", members))
    return "\n".join(parts)


def _counted(run: Any) -> tuple[float, int, int, Any]:
    from django.db import connection

    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        result = run()
    elapsed = time.perf_counter() - start
    writes = sum(1 for sql in queries if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")))
    return elapsed, len(queries), writes, result


def bench_directory(people: int = 10_000) -> dict[str, Any]:
    from ldap3 import MODIFY_REPLACE, Connection, Server

    from escalade.accounts.models import User
    from escalade.directory.models import Directory, default_attribute_map
    from escalade.directory.secrets import secret_encrypt
    from escalade.directory.services import directory_sync_now
    from escalade.orgs.models import Organisation

    started = time.perf_counter()
    server = ldap.Slapd.start(_ldif(people))
    load_seconds = time.perf_counter() - started
    try:
        organisation, _ = Organisation.objects.get_or_create(
            slug="bench-directory", defaults={"name": "Bench directory"}
        )
        Directory.objects.filter(organisation=organisation).delete()
        User.objects.filter(organisation=organisation).delete()
        directory = Directory.objects.create(
            organisation=organisation,
            name="Bench",
            url=server.url,
            security=Directory.Security.NONE,
            bind_dn=ldap.service_dn("a"),
            bind_password_encrypted=secret_encrypt(ldap.SERVICE_PASSWORD),
            base_dn=ldap.client_base("a"),
            attribute_map=default_attribute_map() | {"secondary_email": "otherMailbox"},
        )
        first, first_queries, _, summary = _counted(
            lambda: directory_sync_now(actor=None, directory=directory)
        )
        again, again_queries, again_writes, _ = _counted(
            lambda: directory_sync_now(actor=None, directory=directory)
        )
        admin = Connection(Server(server.url), user=ldap.ROOT_DN, password=ldap.ROOT_PASSWORD, auto_bind=True)
        for index in range(0, people, 100):
            admin.modify(
                f"uid=p{index:06d},ou=people,{ldap.client_base('a')}",
                {"title": [(MODIFY_REPLACE, ["Nouveau poste"])]},
            )
        for index in range(50, people, 200):
            admin.delete(f"uid=p{index:06d},ou=people,{ldap.client_base('a')}")
        changed, changed_queries, _, delta = _counted(
            lambda: directory_sync_now(actor=None, directory=directory)
        )
    finally:
        server.stop()
    return {
        "directory_people": people,
        "directory_slapadd_and_start_s": round(load_seconds, 2),
        "directory_first_sync_s": round(first, 2),
        "directory_first_sync_created": summary.created,
        "directory_first_sync_queries": first_queries,
        "directory_resync_no_change_s": round(again, 2),
        "directory_resync_no_change_queries": again_queries,
        "directory_resync_no_change_writes": again_writes,
        "directory_delta_sync_s": round(changed, 2),
        "directory_delta_sync_updated_deactivated": f"{delta.updated}/{delta.deactivated}",
        "directory_delta_sync_queries": changed_queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    bench_django("bench_directory")
    for key, value in bench_directory(people=args.people).items():
        print(f"{key:<44}  {value}")


if __name__ == "__main__":
    main()
