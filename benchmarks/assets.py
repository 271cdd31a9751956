"""Assets: the desk's asset list and asset page, and inventory intake (full and unchanged).

    .venv/bin/python benchmarks/assets.py --assets 10000 --software 50     # database escalade_bench_assets
    .venv/bin/python benchmarks/assets.py --database bench_assets3 --parts intake   # another estate, kept
    .venv/bin/python benchmarks/run.py --only assets                       # in the suite (10,000 assets)

The estate is written once with bulk inserts: ``--assets`` assets of one client (5 % printers, the rest
PCs and laptops, with network interfaces) and ``--software`` installations each, drawn from a
catalogue of 3,000 products. Then, through Django's test client (the whole request path, signed in):

* the asset list (a supervisor, 50 per page), with filters (type, status, text search, keyset page
  ``?before=``) — p50/p95;
* the asset page of random assets (attributes, software, licences, relations, history) — p50/p95;
* inventory intake at ``/inventory/<token>/``: FusionInventory XML inventories (the recorded sample,
  120 programs, each machine with its own name, serial and MAC), zlib-compressed as the agent sends
  them: new machines (full inventories/s) and the same machines again (unchanged inventories/s, and
  the rows they wrote: the issue asks for none).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above

SAMPLE = ROOT / "tests" / "assets" / "samples" / "fusioninventory-agent-2.6-local-inventory.xml"
CATALOGUE = 3_000


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


def _mac(prefix: int, n: int) -> str:
    return f"02:{prefix:02x}:{n >> 24 & 255:02x}:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"


def _estate(assets: int, software: int) -> Any:
    from escalade.assets.models import Asset, NetworkInterface, Software
    from escalade.orgs.models import Organisation

    organisation, _ = Organisation.objects.get_or_create(
        slug="bench-assets", defaults={"name": "Bench Assets"}
    )
    have = Asset.objects.filter(organisation=organisation).count()
    if have >= assets:
        return organisation
    products = Software.objects.bulk_create(
        [Software(publisher=f"Publisher {i % 200}", name=f"Product {i}", publisher_key=f"publisher {i % 200}",
                  name_key=f"product {i}") for i in range(CATALOGUE)],
        ignore_conflicts=True,
    )  # fmt: skip
    product_ids = list(Software.objects.values_list("pk", flat=True)[:CATALOGUE])
    del products
    rng = random.Random(15)  # noqa: S311 - benchmark data, not secrets
    batch = 2_000
    for start in range(have, assets, batch):
        rows = [
            Asset(organisation=organisation, name=f"BENCH-{n:06d}", serial=f"BS{n:08d}",
                  kind="printer" if n % 20 == 0 else ("laptop" if n % 3 else "computer"),
                  status="in_use" if n % 10 else "in_stock", manufacturer="Dell Inc.", model="OptiPlex 7010")
            for n in range(start, min(start + batch, assets))
        ]  # fmt: skip
        created = Asset.objects.bulk_create(rows)
        NetworkInterface.objects.bulk_create(
            NetworkInterface(asset=a, organisation=organisation, name="eth0", mac=_mac(0xBE, a.pk),
                             ip=f"10.{a.pk >> 16 & 255}.{a.pk >> 8 & 255}.{a.pk & 255}")
            for a in created
        )  # fmt: skip
        _installations([a.pk for a in created], product_ids, software, rng)
        print(f"  {min(start + batch, assets)} assets", flush=True)
    return organisation


def _installations(asset_ids: list[int], product_ids: list[int], software: int, rng: random.Random) -> None:
    """``software`` distinct products on each asset: one INSERT … SELECT per batch on PostgreSQL (5
    million rows in minutes, where the ORM would take an hour on the shared machine)."""
    from django.db import connection

    from escalade.assets.models import Installation

    if connection.vendor != "postgresql":
        Installation.objects.bulk_create(
            (Installation(asset_id=pk, software_id=pid, version="1.0")
             for pk in asset_ids for pid in rng.sample(product_ids, software)),
            batch_size=10_000,
        )  # fmt: skip
        return
    # Product (pk * 37 + i * step) mod catalogue, i < software: distinct on one asset while
    # step * software <= catalogue.
    step = max(1, len(product_ids) // max(1, software))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Installation._meta.db_table} (asset_id, software_id, version)"
            " SELECT a, (%s::bigint[])[1 + ((a * 37 + i * %s) %% %s)], '1.0'"
            " FROM unnest(%s::bigint[]) AS a, generate_series(0, %s - 1) AS i",
            [product_ids, step, len(product_ids), asset_ids, software],
        )


def _client() -> Any:
    from django.test import Client

    from escalade.accounts.models import Role, User
    from escalade.core.actors import Actor
    from escalade.orgs.services import provider_organisation

    provider = provider_organisation(actor=Actor.system("bench"), default_name="Bench Provider")
    supervisor, _ = User.objects.get_or_create(
        email="bench.supervisor@provider.example",
        defaults={"full_name": "Bench Supervisor", "role": Role.SUPERVISOR, "organisation": provider},
    )
    client = Client()
    client.force_login(supervisor)
    return client


def _pages(organisation: Any, requests: int) -> dict[str, Any]:
    from escalade.assets.models import Asset

    client = _client()
    ids = list(Asset.objects.filter(organisation=organisation).values_list("pk", flat=True))
    rng = random.Random(1)  # noqa: S311 - benchmark data, not secrets
    queries = [
        {}, {"kind": "laptop"}, {"status": "in_stock"}, {"organisation": organisation.pk},
        {"q": "BS00001234"}, {"q": "BENCH-000777"}, {"kind": "printer", "before": ids[len(ids) // 2]},
    ]  # fmt: skip
    for query in queries:
        assert client.get("/desk/assets/", query).status_code == 200
    lists = []
    cpu = time.process_time()
    for i in range(requests):
        started = time.perf_counter()
        response = client.get("/desk/assets/", queries[i % len(queries)])
        lists.append(time.perf_counter() - started)
        assert response.status_code == 200
    list_cpu = (time.process_time() - cpu) / requests
    details = []
    cpu = time.process_time()
    for _ in range(requests):
        pk = rng.choice(ids)
        started = time.perf_counter()
        response = client.get(f"/desk/assets/{pk}/")
        details.append(time.perf_counter() - started)
        assert response.status_code == 200
    page_cpu = (time.process_time() - cpu) / requests
    return {
        "assets_list_p50_ms": _p(lists, 0.5), "assets_list_p95_ms": _p(lists, 0.95),
        "assets_page_p50_ms": _p(details, 0.5), "assets_page_p95_ms": _p(details, 0.95),
        # This process's CPU per request (Django and the templates; PostgreSQL's own is not counted).
        "assets_list_cpu_ms": round(list_cpu * 1000, 1), "assets_page_cpu_ms": round(page_cpu * 1000, 1),
    }  # fmt: skip


def _inventory(n: int, template: str) -> bytes:
    body = template.replace("<NAME>vm</NAME>", f"<NAME>INV-{n:06d}</NAME>", 1)
    body = body.replace("<SSN></SSN>", f"<SSN>INVSN{n:08d}</SSN>", 1)
    body = re.sub(
        r"02:fc:00:00:00:01", f"02:fd:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}", body
    )
    body = body.replace("vm-2026-11-22-15-49-17", f"inv-{n:06d}-2026-11-22-15-49-17")
    return zlib.compress(body.encode())


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (``/proc``, when the server runs on
    this machine); None elsewhere."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _per_inventory_ms(before: float | None, count: int) -> float | None:
    after = _backend_cpu()
    return None if before is None or after is None else round((after - before) / count * 1000, 2)


def _intake(organisation: Any, count: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from escalade.assets.models import Asset
    from escalade.assets.services import inventory_token_create
    from escalade.core.actors import Actor

    Asset.objects.filter(organisation=organisation, name__startswith="INV-").delete()
    _, token = inventory_token_create(actor=Actor.system("bench"), organisation=organisation, label="bench")
    template = SAMPLE.read_text()
    bodies = [_inventory(n, template) for n in range(count)]
    client = Client()
    url = f"/inventory/{token}/"

    def post(body: bytes) -> None:
        response = client.post(url, data=body, content_type="application/x-compress-zlib")
        assert response.status_code == 200, response.content[:200]

    post(bodies[0])  # the connection opened, the catalogue's ids cached: the steady state is measured
    Asset.objects.filter(organisation=organisation, name__startswith="INV-").delete()
    backend = _backend_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        post(body)
    full = count / (time.perf_counter() - started)
    full_cpu = (time.process_time() - cpu) / count
    full_db_cpu = _per_inventory_ms(backend, count)
    writes: list[str] = []

    def count_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(sql)
        return execute(sql, params, many, context)

    backend = _backend_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count_writes):
        for body in bodies:
            post(body)
    unchanged = count / (time.perf_counter() - started)
    unchanged_cpu = (time.process_time() - cpu) / count
    unchanged_db_cpu = _per_inventory_ms(backend, count)
    return {
        "assets_intake_full_per_s": round(full, 1),
        "assets_intake_unchanged_per_s": round(unchanged, 1),
        # CPU of this process (the shared machine's load does not count): 1 / this is the rate a
        # worker reaches on an idle core.
        "assets_intake_full_cpu_ms": round(full_cpu * 1000, 2),
        "assets_intake_unchanged_cpu_ms": round(unchanged_cpu * 1000, 2),
        # The PostgreSQL backend's CPU for the same inventories (None when the server is elsewhere):
        # with the line above, what one inventory costs the machine.
        "assets_intake_full_db_cpu_ms": full_db_cpu,
        "assets_intake_unchanged_db_cpu_ms": unchanged_db_cpu,
        "assets_intake_unchanged_rows_written": len(writes),
        "assets_intake_programs_per_inventory": 120,
    }


def bench_assets(_tickets: int = 0, assets: int = 10_000, software: int = 50, requests: int = 200,
                 inventories: int = 300, parts: str = "pages,intake") -> dict[str, Any]:  # fmt: skip
    organisation = _estate(assets, software)
    from django.db import connection

    from escalade.assets.models import Installation

    with connection.cursor() as cursor:  # fresh statistics after the bulk load, as autovacuum would make
        cursor.execute("ANALYZE")

    results: dict[str, Any] = {
        "assets_count": assets,
        "assets_installations": Installation.objects.filter(asset__organisation=organisation).count(),
    }
    if "pages" in parts:
        results.update(_pages(organisation, requests))
    if "intake" in parts:
        results.update(_intake(organisation, inventories))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--software", type=int, default=50, help="installations per asset")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--inventories", type=int, default=300)
    parser.add_argument("--parts", default="pages,intake", help="what to measure once the estate is built")
    parser.add_argument(
        "--database", default="bench_assets",
        help="the estate's database, escalade_<NAME> (built if missing or smaller, else reused as it is)",
    )  # fmt: skip
    args = parser.parse_args()
    bench_django(args.database.removeprefix("escalade_"))
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages need the static manifest
    results = bench_assets(assets=args.assets, software=args.software, requests=args.requests,
                           inventories=args.inventories, parts=args.parts)  # fmt: skip
    for key, value in results.items():
        print(f"{key:<40}  {value}")


if __name__ == "__main__":
    main()
