"""Search fixtures: the demo knowledge base written by the real services (author: agent A, reviewer:
the supervisor), and the ticket fixtures of tests/tickets."""

from __future__ import annotations

import pytest

from escalade.kb.demo import articles_load
from tests.tickets.conftest import at, make_ticket  # noqa: F401 - fixtures


@pytest.fixture
def demo_kb(world):
    return {
        article.slug: article for article in articles_load(author=world.agent_a, reviewer=world.supervisor)
    }
