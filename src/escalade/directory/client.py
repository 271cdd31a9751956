"""Talking to one directory with ldap3: connect (StartTLS/LDAPS), find people, check a password, change
a password through the password-modify extended operation (RFC 3062) with the ppolicy control, unlock,
change group membership. The server's errors come back as :class:`DirectoryError` in plain words."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from escalade.directory.models import Directory
from escalade.directory.secrets import secret_decrypt

PPOLICY_OID = "1.3.6.1.4.1.42.2.27.8.5.1"
PAGE_SIZE = 500

# The Password Policy control's error codes (draft-behera-ldap-password-policy, section 6.2).
PPOLICY_ERRORS: dict[int, Promise] = {
    0: _("The password has expired."),
    1: _("The account is locked."),
    2: _("The password must be changed after a reset."),
    3: _("The directory does not allow this password to be changed."),
    4: _("The directory asks for the old password."),
    5: _("The password is not complex enough for the directory's policy."),
    6: _("The password is too short for the directory's policy."),
    7: _("The password was changed too recently to be changed again."),
    8: _("This password was used before: choose one you have not used."),
}
# Active Directory's sub-codes in its error messages ("data 775").
AD_ERRORS: dict[str, Promise] = {
    "775": PPOLICY_ERRORS[1],
    "532": PPOLICY_ERRORS[0],
    "773": PPOLICY_ERRORS[2],
    "533": _("The account is disabled."),
    "52d": _("The password does not meet the directory's policy (length, complexity or history)."),
    "52e": _("Wrong password."),
}
RESULT_ERRORS: dict[str, Promise] = {
    "invalidCredentials": _("Wrong password."),
    "constraintViolation": _("The password does not meet the directory's policy."),
    "insufficientAccessRights": _("Escalade's directory account is not allowed to do this."),
    "noSuchObject": _("The account was not found in the directory."),
    "unwillingToPerform": _("The directory refused the operation."),
}


class DirectoryError(Exception):
    """A directory answer in plain words (translated when shown), with the server's raw text kept."""

    def __init__(self, message: Promise | str, *, detail: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.detail = detail


class DirectoryUnavailable(DirectoryError):  # noqa: N818 - reads as the state, like ValidationFailed
    """The server could not be reached or refused Escalade's own bind."""


@dataclass(frozen=True)
class Entry:
    """A directory entry as read: its DN and its attributes (single values as str, lists kept)."""

    dn: str
    attributes: dict[str, Any]

    def first(self, name: str) -> str:
        if not name:
            return ""
        value = self.attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return "" if value is None else str(value)

    def all(self, name: str) -> list[str]:
        value = self.attributes.get(name) if name else None
        if value is None:
            return []
        return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def ppolicy_error(controls: dict[str, Any] | None) -> int | None:
    """The error of a Password Policy response control (BER: SEQUENCE { warning [0], error [1] })."""
    control = (controls or {}).get(PPOLICY_OID)
    raw = control.get("value") if isinstance(control, dict) else None
    if not isinstance(raw, bytes | bytearray) or len(raw) < 2:
        return None
    position = 2  # skip the SEQUENCE tag and length
    while position + 2 <= len(raw):
        tag, length = raw[position], raw[position + 1]
        if tag == 0x81:
            return int.from_bytes(raw[position + 2 : position + 2 + length], "big")
        position += 2 + length
    return None


def plain_error(result: dict[str, Any]) -> DirectoryError:
    """The plain-words error for an ldap3 result (ppolicy control first, then AD's code, then the type)."""
    detail = f"{result.get('description', '')}: {result.get('message', '')}".strip(": ")
    code = ppolicy_error(result.get("controls"))
    if code is not None and code in PPOLICY_ERRORS:
        return DirectoryError(PPOLICY_ERRORS[code], detail=detail)
    match = re.search(r"data ([0-9a-f]{3})", str(result.get("message", "")).lower())
    if match and match.group(1) in AD_ERRORS:
        return DirectoryError(AD_ERRORS[match.group(1)], detail=detail)
    message = RESULT_ERRORS.get(str(result.get("description", "")), _("The directory refused the operation."))
    return DirectoryError(message, detail=detail)


def _server(directory: Directory) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED if directory.verify_certificate else ssl.CERT_NONE)
    return Server(
        directory.url,
        use_ssl=directory.security == Directory.Security.LDAPS or directory.url.startswith("ldaps://"),
        tls=tls,
        connect_timeout=directory.timeout,
        get_info=None,
    )


def _open(directory: Directory, *, user: str, password: str) -> Connection:
    """A bound connection, or DirectoryError (wrong password) / DirectoryUnavailable (no server)."""
    connection = Connection(
        _server(directory),
        user=user,
        password=password,
        receive_timeout=directory.timeout,
        raise_exceptions=False,
        read_only=False,
    )
    try:
        connection.open()
        if directory.security == Directory.Security.START_TLS:
            connection.start_tls()
        bound = connection.bind()
    except LDAPException as error:
        raise DirectoryUnavailable(_("The directory cannot be reached."), detail=str(error)) from error
    if not bound:
        result = dict(connection.result or {})
        connection.unbind()
        raise plain_error(result)
    return connection


@contextmanager
def service_connection(directory: Directory) -> Iterator[Connection]:
    """A connection bound as Escalade's own account of ``directory``."""
    try:
        connection = _open(
            directory, user=directory.bind_dn, password=secret_decrypt(directory.bind_password_encrypted)
        )
    except DirectoryUnavailable:
        raise
    except DirectoryError as error:
        raise DirectoryUnavailable(
            _("Escalade's directory account was refused."), detail=error.detail
        ) from error
    try:
        yield connection
    finally:
        connection.unbind()


def check_password(directory: Directory, *, dn: str, password: str) -> bool:
    """Whether ``password`` is the directory password of ``dn`` (a bind as that person)."""
    if not password:
        return False  # an empty password would be an anonymous bind, which "succeeds"
    try:
        connection = _open(directory, user=dn, password=password)
    except DirectoryUnavailable:
        raise
    except DirectoryError:
        return False
    connection.unbind()
    return True


def search(connection: Connection, *, base: str, ldap_filter: str, attributes: list[str]) -> Iterator[Entry]:
    """Every entry under ``base`` matching ``ldap_filter``, read by pages (RFC 2696)."""
    wanted = sorted({name for name in attributes if name})
    for item in connection.extend.standard.paged_search(
        base, ldap_filter, SUBTREE, attributes=wanted, paged_size=PAGE_SIZE, generator=True
    ):
        if item.get("type") == "searchResEntry":
            yield Entry(dn=item["dn"], attributes=dict(item["attributes"]))


def find_person(connection: Connection, directory: Directory, *, login_or_email: str) -> Entry | None:
    """The person whose login or e-mail is ``login_or_email`` (None if none or several)."""
    value = escape_filter_chars(login_or_email)
    login, email = directory.attribute("login"), directory.attribute("email")
    ldap_filter = f"(&{directory.user_filter}(|({login}={value})({email}={value})))"
    found = list(
        search(
            connection,
            base=directory.base_dn,
            ldap_filter=ldap_filter,
            attributes=person_attributes(directory),
        )
    )
    return found[0] if len(found) == 1 else None


def person_attributes(directory: Directory) -> list[str]:
    keys = (
        "login",
        "email",
        "full_name",
        "phone",
        "mobile",
        "job_title",
        "manager",
        "secondary_email",
        "unique_id",
    )
    return [directory.attribute(key) for key in keys]


def _raise_unless(connection: Connection, done: bool) -> None:
    if not done:
        raise plain_error(dict(connection.result or {}))


def password_set(directory: Directory, *, dn: str, new_password: str) -> None:
    """Set ``dn``'s password through the directory, which applies its own policy (ppolicy/AD)."""
    with service_connection(directory) as connection:
        if directory.flavour == Directory.Flavour.ACTIVE_DIRECTORY:
            done = connection.extend.microsoft.modify_password(dn, new_password)
        else:
            done = connection.extend.standard.modify_password(
                user=dn, new_password=new_password, controls=[(PPOLICY_OID, False, None)]
            )
        _raise_unless(connection, bool(done))


def is_locked(directory: Directory, *, dn: str) -> bool:
    """Whether ``dn`` is locked out (ppolicy ``pwdAccountLockedTime``, AD ``lockoutTime``)."""
    attribute = (
        "lockoutTime" if directory.flavour == Directory.Flavour.ACTIVE_DIRECTORY else "pwdAccountLockedTime"
    )
    with service_connection(directory) as connection:
        if not connection.search(dn, "(objectClass=*)", attributes=[attribute]) or not connection.entries:
            raise plain_error(dict(connection.result or {}))
        value = connection.response[0]["attributes"].get(attribute)
    return bool(value) and str(value) not in {"0", "1601-01-01 00:00:00+00:00"}


def unlock(directory: Directory, *, dn: str) -> None:
    """Clear the lockout of ``dn`` (no error when it was not locked)."""
    with service_connection(directory) as connection:
        if directory.flavour == Directory.Flavour.ACTIVE_DIRECTORY:
            done = connection.modify(dn, {"lockoutTime": [(MODIFY_REPLACE, ["0"])]})
        else:  # replace with nothing deletes the values if any (no "no such attribute" error)
            done = connection.modify(dn, {"pwdAccountLockedTime": [(MODIFY_REPLACE, [])]})
        _raise_unless(connection, done)


def membership_change(directory: Directory, *, group_dn: str, member_dn: str, add: bool) -> None:
    """Add ``member_dn`` to (or remove it from) ``group_dn``; already done counts as done."""
    with service_connection(directory) as connection:
        done = connection.modify(group_dn, {"member": [(MODIFY_ADD if add else MODIFY_DELETE, [member_dn])]})
        description = str((connection.result or {}).get("description", ""))
        if not done and description in {"attributeOrValueExists", "noSuchAttribute"}:
            return
        _raise_unless(connection, done)
