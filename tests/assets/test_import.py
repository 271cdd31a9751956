"""CSV / XLSX import of assets: a dry run reports exactly what the import does and changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from escalade.assets.importer import ImportError_, import_rows, read_table
from escalade.assets.models import Asset
from escalade.core.actors import Actor
from escalade.core.models import Event
from tests.assets.factories import AssetFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db

CSV = """nom;type;numéro de série;utilisateur;fin de garantie;coût
PC-ACCUEIL;laptop;SN-1;req.a@a.example;31/12/2027;899,90
IMPRIMANTE-RDC;printer;SN-2;;2026-06-30;
PC-COMPTA;computer;SN-3;nobody@a.example;;
"""


def test_a_dry_run_reports_and_changes_nothing_then_the_import_does_it(world: World) -> None:
    existing = AssetFactory.create(
        organisation=world.client_a, name="old name", serial="SN-2", kind="printer"
    )
    rows = read_table("estate.csv", CSV.encode())
    actor = Actor.system("test")
    events = Event.objects.count()

    dry = import_rows(actor=actor, organisation=world.client_a, rows=rows, dry_run=True)

    assert [(r.line, r.action) for r in dry.rows] == [(2, "create"), (3, "update"), (4, "error")]
    assert "nobody@a.example" in dry.rows[2].message
    assert Asset.objects.count() == 1
    assert Event.objects.count() == events

    real = import_rows(actor=actor, organisation=world.client_a, rows=rows, dry_run=False)

    assert [r.action for r in real.rows] == [r.action for r in dry.rows]
    pc = Asset.objects.get(name="PC-ACCUEIL")
    assert (pc.user, str(pc.purchase_cost), str(pc.warranty_end)) == (
        world.requester_a,
        "899.90",
        "2027-12-31",
    )
    existing.refresh_from_db()
    assert existing.name == "IMPRIMANTE-RDC"
    assert not Asset.objects.filter(name="PC-COMPTA").exists()


def test_xlsx_files_are_read() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Kind", "Serial"])
    sheet.append(["SRV-01", "server", "CZ123"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert read_table("estate.xlsx", buffer.getvalue()) == [
        {"name": "SRV-01", "kind": "server", "serial": "CZ123"}
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.csv", b""), ("a.csv", b"serial\nX\n"), ("a.csv", b"\xff\xfe"), ("a.xlsx", b"not a workbook")],
)
def test_unreadable_files_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(ImportError_):
        read_table(name, content)


def test_the_command_is_a_dry_run_unless_applied(world: World, tmp_path: Path) -> None:
    path = tmp_path / "estate.csv"
    path.write_text("name,kind,serial\nPC-1,laptop,S1\n", encoding="utf-8")
    out = io.StringIO()

    call_command("assets_import", "client-a", str(path), stdout=out)
    assert "dry run" in out.getvalue()
    assert not Asset.objects.exists()

    call_command("assets_import", "client-a", str(path), "--apply", stdout=out)
    assert Asset.objects.get().name == "PC-1"
    with pytest.raises(CommandError):
        call_command("assets_import", "no-such-client", str(path))


@pytest.mark.parametrize("role", ["agent_a", "supervisor", "administrator"])
def test_the_upload_page_is_for_administrators(client: Client, world: World, role: str) -> None:
    person = world.person(role)
    person.language = "en"
    person.save()
    client.force_login(person)
    upload = io.BytesIO(b"name,serial\nPC-9,S9\n")
    upload.name = "estate.csv"

    response = client.post("/desk/assets/import/", {"organisation": world.client_a.pk, "file": upload})

    assert response.status_code == (200 if role == "administrator" else 403)
    if role == "administrator":
        assert "Dry run" in response.content.decode()
    assert not Asset.objects.exists()  # the dry run is the default
    if role == "administrator":
        upload.seek(0)
        client.post("/desk/assets/import/", {"organisation": world.client_a.pk, "file": upload, "apply": "1"})
        assert Asset.objects.get().name == "PC-9"
