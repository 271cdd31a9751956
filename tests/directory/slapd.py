"""A real OpenLDAP slapd (Debian's package) for the tests and the benchmark: its own slapd.conf in a
temporary directory, the ppolicy overlay loaded (password quality, history, lockout after 3 failures),
data loaded offline with slapadd, and an ephemeral port on 127.0.0.1 (``ESCALADE_TEST_LDAP_PORTS``, a
range, default 18500-18599). Under ``CI=true`` a missing slapd fails; elsewhere the tests skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "adminpw"
SERVICE_PASSWORD = "servicepw"
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")
CLIENTS = ("a", "b")


def slapd_or_skip() -> None:
    if Path(SLAPD).exists() and Path(SLAPADD).exists():
        return
    reason = "slapd is not installed (apt-get install slapd ldap-utils, see scripts/system-packages.txt)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port(skip: int = 0) -> int:
    """A free port of the range; each pytest-xdist worker starts at its own offset (10 ports apart), so
    two workers never probe and take the same one."""
    first, _dash, last = os.environ.get("ESCALADE_TEST_LDAP_PORTS", "18500-18599").partition("-")
    low, high = int(first), int(last or first)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    offset = (int(worker) * 10 if worker.isdigit() else 0) + skip
    size = high - low + 1
    for step in range(size):
        port = low + (offset + step) % size
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for slapd")


def service_dn(client: str) -> str:
    return f"cn=escalade-{client},ou=services,{SUFFIX}"


def client_base(client: str) -> str:
    return f"ou={client},{SUFFIX}"


def _acl() -> str:
    rules = []
    for client in CLIENTS:
        base, service = client_base(client), service_dn(client)
        rules += [
            (
                f'access to dn.subtree="{base}" attrs=userPassword by dn.exact="{service}" write '
                "by self write by anonymous auth by * none"
            ),
            (
                f'access to dn.subtree="{base}" attrs=pwdAccountLockedTime,pwdFailureTime '
                f'by dn.exact="{service}" manage by * read'
            ),
            f'access to dn.subtree="ou=groups,{base}" attrs=member by dn.exact="{service}" write by * read',
        ]
    rules += [
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read",
    ]
    return "\n".join(rules)


def config(directory: Path) -> str:
    schemas = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    return f"""{schemas}
pidfile {directory}/slapd.pid
argsfile {directory}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
password-hash {{SSHA}}
sizelimit unlimited
database mdb
maxsize 1073741824
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {directory}/db
index entryUUID eq
index uid,mail eq
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{SUFFIX}"
ppolicy_use_lockout
ppolicy_hash_cleartext
{_acl()}
"""


def base_ldif() -> str:
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n",
        f"dn: ou=policies,{SUFFIX}\nobjectClass: organizationalUnit\nou: policies\n",
        (
            f"dn: cn=default,ou=policies,{SUFFIX}\nobjectClass: pwdPolicy\nobjectClass: person\n"
            "cn: default\nsn: policy\n"
            "pwdAttribute: userPassword\npwdMinLength: 8\npwdCheckQuality: 2\npwdInHistory: 3\n"
            "pwdLockout: TRUE\n"
            "pwdMaxFailure: 3\npwdLockoutDuration: 0\npwdFailureCountInterval: 0\n"
        ),
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
    ]
    for client in CLIENTS:
        parts += [
            (
                f"dn: {service_dn(client)}\nobjectClass: organizationalRole\n"
                "objectClass: simpleSecurityObject\n"
                f"cn: escalade-{client}\nuserPassword: {SERVICE_PASSWORD}\n"
            ),
            f"dn: {client_base(client)}\nobjectClass: organizationalUnit\nou: {client}\n",
            f"dn: ou=people,{client_base(client)}\nobjectClass: organizationalUnit\nou: people\n",
            f"dn: ou=groups,{client_base(client)}\nobjectClass: organizationalUnit\nou: groups\n",
        ]
    return "\n".join(parts)


def person_ldif(
    client: str,
    uid: str,
    *,
    name: str,
    email: str,
    password: str,
    manager: str = "",
    other_mailbox: str = "",
    mobile: str = "",
) -> str:
    lines = [
        f"dn: uid={uid},ou=people,{client_base(client)}",
        "objectClass: inetOrgPerson",
        "objectClass: extensibleObject",
        f"uid: {uid}",
        f"cn: {name}",
        f"sn: {name.rsplit(maxsplit=1)[-1]}",
        f"mail: {email}",
        f"userPassword: {password}",
    ]
    if manager:
        lines.append(f"manager: uid={manager},ou=people,{client_base(client)}")
    if other_mailbox:
        lines.append(f"otherMailbox: {other_mailbox}")
    if mobile:
        lines.append(f"mobile: {mobile}")
    return "\n".join(lines) + "\n"


def group_ldif(client: str, cn: str, members: list[str], *, description: str = "", owner: str = "") -> str:
    lines = [f"dn: cn={cn},ou=groups,{client_base(client)}", "objectClass: groupOfNames", f"cn: {cn}"]
    lines += [f"member: uid={uid},ou=people,{client_base(client)}" for uid in members]
    if description:
        lines.append(f"description: {description}")
    if owner:
        lines.append(f"owner: uid={owner},ou=people,{client_base(client)}")
    return "\n".join(lines) + "\n"


@dataclass
class Slapd:
    """One running slapd; :meth:`stop` kills it by its pid and removes its directory."""

    path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, ldif: str) -> Slapd:
        path = Path(tempfile.mkdtemp(prefix="escalade-slapd-"))
        (path / "db").mkdir()
        (path / "slapd.conf").write_text(config(path))
        (path / "data.ldif").write_text(ldif)
        subprocess.run(
            [SLAPADD, "-q", "-f", str(path / "slapd.conf"), "-l", str(path / "data.ldif")],
            check=True,
            capture_output=True,
        )
        for attempt in range(5):  # a port taken between the probe and slapd's bind: the next one
            server = cls(path=path, port=free_port(skip=attempt))
            # -d 0: stay in the foreground (our child, stopped by its pid, reaped by us)
            server.process = subprocess.Popen(
                [SLAPD, "-d", "0", "-f", str(path / "slapd.conf"), "-h", f"{server.url}/"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if server.wait_ready():
                return server
        server.stop()
        raise RuntimeError("slapd did not start")

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """True once our slapd answers; False if it exited (its port was taken) or never answered."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.02)
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.path, ignore_errors=True)
