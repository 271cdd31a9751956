"""End to end with the real agents from Debian: ``fusioninventory-agent`` and ``ocsinventory-agent``
inventory this machine and post to a running Escalade on 127.0.0.1 (PROLOG, then INVENTORY, zlib).

Under ``CI=true`` a missing agent fails the test; elsewhere it is skipped with the reason. The agents
exit 0 even when the server refused them, so the tests read their logs for ``[error]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from escalade.assets.models import Asset, Installation
from escalade.assets.services import inventory_token_create
from escalade.core.actors import Actor
from escalade.core.models import Event
from tests.conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def program_or_skip(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found (apt-get install {name}; see scripts/system-packages.txt)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _token(world: World) -> str:
    _, secret = inventory_token_create(actor=Actor.system("test"), organisation=world.client_a, label="e2e")
    return secret


def run_fusioninventory(server: str, workdir: Path) -> str:
    agent = program_or_skip("fusioninventory-agent")
    log = workdir / "fusion.log"
    subprocess.run(
        [agent, "--server", server, "--no-httpd", "--no-category=environment,process", "--logger=file",
         f"--logfile={log}", "--timeout=60"],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return log.read_text()


def run_ocsinventory(server: str, workdir: Path) -> str:
    agent = program_or_skip("ocsinventory-agent")
    log = workdir / "ocs.log"
    subprocess.run(
        [agent, "--nolocal", f"--server={server}", f"--basevardir={workdir / 'ocs'}", f"--logfile={log}",
         "--force"],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return log.read_text()


def test_fusioninventory_agent_inventories_this_machine_into_the_clients_estate(
    live_server, world: World, tmp_path: Path
) -> None:
    server = f"{live_server.url}/inventory/{_token(world)}/"

    log = run_fusioninventory(server, tmp_path)

    assert "[error]" not in log, log
    asset = Asset.objects.get(organisation=world.client_a)
    assert asset.last_inventory_at is not None
    installed = Installation.objects.filter(asset=asset).count()
    assert installed > 50  # dpkg's packages of this machine
    assert Installation.objects.filter(asset=asset, software__name_key="fusioninventory-agent").exists()

    # The agent runs again (nothing changed on the machine): the same asset, no new history.
    events = Event.objects.filter(object_id=asset.pk, content_type__model="asset").count()
    log = run_fusioninventory(server, tmp_path)
    assert "[error]" not in log, log
    assert Asset.objects.filter(organisation=world.client_a).count() == 1
    assert Event.objects.filter(object_id=asset.pk, content_type__model="asset").count() == events


def test_ocs_agent_then_fusioninventory_agent_are_one_machine(
    live_server, world: World, tmp_path: Path
) -> None:
    server = f"{live_server.url}/inventory/{_token(world)}/"

    ocs_log = run_ocsinventory(server, tmp_path)
    fusion_log = run_fusioninventory(server, tmp_path)

    ocs_errors = [line for line in ocs_log.splitlines() if "[error]" in line and "[snmpscan]" not in line]
    assert ocs_errors == [], ocs_log  # (the SNMP scan module is not installed: harmless)
    assert "[error]" not in fusion_log, fusion_log
    asset = Asset.objects.get(organisation=world.client_a)  # matched on the MAC address
    actions = set(
        Event.objects.filter(object_id=asset.pk, content_type__model="asset").values_list(
            "actor_label", flat=True
        )
    )
    assert any(label.startswith("inventory:OCS") for label in actions), actions
    assert any(label.startswith("inventory:FusionInventory") for label in actions), actions


def test_an_agent_with_a_wrong_token_is_refused(live_server, world: World, tmp_path: Path) -> None:
    log = run_fusioninventory(f"{live_server.url}/inventory/wrong-token/", tmp_path)

    assert "[error]" in log
    assert Asset.objects.count() == 0
