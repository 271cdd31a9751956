"""What rules cost a ticket creation: nothing when none matches (the compiled rules are cached)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.automation.models import Rule
from escalade.automation.services import rule_save
from escalade.core.actors import Actor
from tests.automation.conftest import action


def _creation_queries(make_ticket) -> int:
    make_ticket(title="échauffement")  # warms the caches (content types, compiled rules)
    with CaptureQueriesContext(connection) as queries:
        make_ticket(title="Imprimante bloquée")
    return len(queries)


def test_two_hundred_rules_that_do_not_match_cost_no_query(world, make_ticket):
    without = _creation_queries(make_ticket)
    supervisor = Actor.of(world.supervisor)
    for n in range(200):
        rule_save(
            actor=supervisor, name=f"Règle {n}", triggers=["created", "updated"],
            conditions={"items": [{"field": "title", "operator": "contains", "value": f"mot-{n}"}]},
            actions=[action("add_tags", f"t{n}")],
        )  # fmt: skip
    assert Rule.objects.count() == 200
    assert _creation_queries(make_ticket) == without
