"""A real OpenID Connect provider for the single sign-on tests (ADR 0019).

Built on pyop (IdentityPython's OpenID Connect provider library: authorisation codes, PKCE, signed ID
tokens, user info, JWKS) and served by the standard library's WSGI server on 127.0.0.1, in its own
process. Its sign-in page takes a login and a password, as a real provider's does.

Run: ``python -m tests.identity.oidc_provider CONFIG.json`` where CONFIG holds ``port``, ``certificate``
and ``key`` (PEM files: OpenID Connect wants an HTTPS issuer), ``clients`` (pyop's client metadata by
client id) and ``users`` (login → ``password`` and standard ``claims``).
"""

from __future__ import annotations

import html
import json
import ssl
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from Cryptodome.PublicKey import RSA
from jwkest.jwk import RSAKey
from pyop.authz_state import AuthorizationState
from pyop.exceptions import BearerTokenError, InvalidAccessToken, InvalidAuthenticationRequest, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def build_provider(*, base: str, clients: dict[str, Any], users: dict[str, Any]) -> Provider:
    """A pyop provider with a fresh RSA signing key, publishing its endpoints under ``base``."""
    configuration = {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    }
    signing_key = RSAKey(key=RSA.generate(2048), alg="RS256", kid="escalade-test")
    state = AuthorizationState(HashBasedSubjectIdentifierFactory("escalade-test-salt"))
    userinfo = Userinfo({login: user["claims"] for login, user in users.items()})
    return Provider(signing_key, configuration, state, clients, userinfo)


class App:
    """The provider's HTTP face: discovery, JWKS, sign-in page, token and user info endpoints."""

    def __init__(self, provider: Provider, users: dict[str, Any]) -> None:
        self.provider = provider
        self.users = users

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:  # noqa: PLR0911 - one per endpoint
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        try:
            if path == "/.well-known/openid-configuration":
                return self._json(start_response, self.provider.provider_configuration.to_dict())
            if path == "/jwks":
                return self._json(start_response, self.provider.jwks)
            if path == "/authorize" and method == "GET":
                return self._page(start_response, query, "")
            if path == "/authorize" and method == "POST":
                return self._sign_in(start_response, dict(parse_qsl(body)))
            if path == "/token" and method == "POST":
                return self._json(start_response, self.provider.handle_token_request(body, headers).to_dict())
            if path == "/userinfo":
                return self._json(
                    start_response, self.provider.handle_userinfo_request(query or body, headers).to_dict()
                )
        except (InvalidAccessToken, BearerTokenError) as error:
            return self._json(
                start_response,
                {"error": "invalid_token", "error_description": str(error)},
                "401 Unauthorized",
            )
        except OAuthError as error:
            return self._json(
                start_response,
                {"error": error.oauth_error, "error_description": str(error)},
                "400 Bad Request",
            )
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _sign_in(self, start_response: StartResponse, form: dict[str, str]) -> Iterable[bytes]:
        try:
            request = self.provider.parse_authentication_request(form.get("request", ""))
        except InvalidAuthenticationRequest as error:
            return self._json(
                start_response,
                {"error": "invalid_request", "error_description": str(error)},
                "400 Bad Request",
            )
        user = self.users.get(form.get("login", ""))
        if user is None or user["password"] != form.get("password"):
            return self._page(
                start_response, form.get("request", ""), "Wrong login or password", "401 Unauthorized"
            )
        response = self.provider.authorize(request, form["login"])
        location = response.request(request["redirect_uri"], fragment_enc=False)
        start_response("302 Found", [("Location", location)])
        return [b""]

    @staticmethod
    def _page(
        start_response: StartResponse, request: str, error: str, status: str = "200 OK"
    ) -> Iterable[bytes]:
        page = (
            f"<!doctype html><title>Test provider</title><p>{html.escape(error)}</p>"
            '<form method="post" action="/authorize">'
            f'<input type="hidden" name="request" value="{html.escape(request)}">'
            '<input name="login"><input name="password" type="password"><button>Sign in</button></form>'
        )
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    @staticmethod
    def _json(start_response: StartResponse, data: Any, status: str = "200 OK") -> Iterable[bytes]:
        start_response(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        return [json.dumps(data).encode()]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        return


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    base = f"https://127.0.0.1:{config['port']}"
    provider = build_provider(base=base, clients=config["clients"], users=config["users"])
    server = make_server(
        "127.0.0.1", config["port"], App(provider, config["users"]),
        server_class=_ThreadingServer, handler_class=_QuietHandler,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(config["certificate"], config["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)  # noqa: T201 - the fixture waits for this line
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
