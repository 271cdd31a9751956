from tests.search.conftest import demo_kb  # noqa: F401 - fixture
from tests.tickets.conftest import at, levels, make_ticket  # noqa: F401 - fixtures
