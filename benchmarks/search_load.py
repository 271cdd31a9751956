"""The search benchmark (``benchmarks/run.py --only search``): what agents and clients type, timed on the
server (Django's test client, in process, as the page benchmark does).

Three readers, because permissions filter inside the query: a generated agent (the organisations of its
pod), a client manager (one organisation; created once if the data has none) and the requester with the
most tickets (their own). Each runs the same queries, French and English, common and rare words, ticket
references, a person's name and a typo, on the search page (``/help/search``); the agent also through the
API (``/api/search``). The index is completed first: fully rebuilt (and timed) when it holds no ticket,
else only the tickets it misses (e.g. written by another benchmark whose indexing tasks were dropped).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from benchmarks.run import timed

WORDS = [
    "imprimante", "mot de passe oublié", "écran noir au démarrage", "vpn connexion", "badge refusé",
    "lenteurs ERP", "dossier partagé", "bonjour", "scanner de quai", "printer", "forgotten password",
    "unstable wifi", "outlook does not open", "warehouse scanner", "thanks", "imprimente", "carburateur",
    "Camille Martin",
]  # fmt: skip
REPEAT = 3


def _complete_index() -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from escalade.search.models import SearchDocument
    from escalade.search.services import search_index_tickets, search_rebuild
    from escalade.tickets.models import Ticket

    indexed = SearchDocument.objects.filter(kind="ticket")
    if not indexed.exists():
        started = time.perf_counter()
        documents = search_rebuild()
        seconds = time.perf_counter() - started
        done: dict[str, Any] = {"search_rebuild": {"documents": documents, "seconds": round(seconds, 1),
                                                   "per_s": round(documents / seconds)}}  # fmt: skip
    else:
        # An anti-join (NOT EXISTS): PostgreSQL cannot hash a NOT IN over a million ids.
        missing = Ticket.objects.exclude(Exists(indexed.filter(object_id=OuterRef("pk")))).order_by("pk")
        done = {
            "search_index_completed": search_index_tickets(
                ticket_ids=list(missing.values_list("pk", flat=True))
            )
        }
    with connection.cursor() as cursor:  # as after `escalade generate`: statistics, visibility map
        cursor.execute("VACUUM ANALYZE search_searchdocument")
    return done


def _readers() -> dict[str, Any]:
    from django.db.models import Count

    from escalade.accounts.models import Role, User
    from escalade.tickets.models import Ticket

    agent = User.objects.filter(role=Role.AGENT, email__startswith="gen.").order_by("pk")[:1].get()
    busiest = (
        Ticket.objects.values("requester").annotate(count=Count("id")).order_by("-count").values("requester")
    )
    requester = User.objects.get(pk__in=busiest[:1])
    organisation = requester.organisation
    manager = User.objects.filter(role=Role.CLIENT_MANAGER, organisation=organisation).first()
    if manager is None:
        manager = User.objects.create_user(
            email=f"bench.manager@{organisation.slug}.example", full_name="Bench Manager",
            organisation=organisation, role=Role.CLIENT_MANAGER,
        )  # fmt: skip
    return {"agent": agent, "client_manager": manager, "requester": requester}


def _queries(requester: Any) -> list[str]:
    """The words, and ticket references: one of the requester's, an old one, a recent one, a fragment."""
    from escalade.tickets.models import Ticket

    mine = Ticket.objects.filter(requester=requester).order_by("pk").values_list("reference", flat=True)
    everyone = Ticket.objects.order_by("pk").values_list("reference", flat=True)
    count = everyone.count()
    old, recent = everyone[count // 10], everyone[count - count // 50 - 1]
    return [*WORDS, mine[0], old, recent, recent.rsplit("-", 1)[1]]


def _time(client: Any, url: str, **headers: str) -> float:
    started = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def bench_search(_tickets: int) -> dict[str, Any]:
    from django.test import Client

    from escalade.api.services import api_token_create
    from escalade.core.actors import Actor
    from escalade.search.models import SearchDocument

    results: dict[str, Any] = _complete_index()
    readers = _readers()
    queries = _queries(readers["requester"])
    everything: list[float] = []
    slowest: list[tuple[float, str, str]] = []
    for name, user in readers.items():
        client = Client()
        client.force_login(user)
        client.get("/help/search?q=warm+up")
        samples = []
        for _ in range(REPEAT):
            for query in queries:
                samples.append(_time(client, "/help/search?" + urlencode({"q": query})))
                slowest.append((samples[-1], name, query))
        results[f"search_page_{name}"] = timed(samples)
        everything += samples
    _token, key = api_token_create(actor=Actor.system("benchmark"), user=readers["agent"], name="search")
    api, samples = Client(), []
    api.get("/api/search?q=warm+up", HTTP_AUTHORIZATION=f"Bearer {key}")
    for _ in range(REPEAT):
        for query in queries:
            url = "/api/search?" + urlencode({"q": query, "limit": 20})
            samples.append(_time(api, url, HTTP_AUTHORIZATION=f"Bearer {key}"))
            slowest.append((samples[-1], "api", query))
    results["search_api_agent"] = timed(samples)
    everything += samples
    slowest.sort(reverse=True)
    results["search"] = {
        **timed(everything),
        "requests": len(everything),
        "documents": SearchDocument.objects.count(),
        "slowest": [f"{name} {query!r} {seconds * 1000:.0f} ms" for seconds, name, query in slowest[:5]],
    }
    return results
