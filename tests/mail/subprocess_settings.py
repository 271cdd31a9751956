"""Settings for a child process of a test (the crash test's poller): the test's own database."""

import os

from tests.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["ESCALADE_MAIL_TEST_DB_NAME"]  # noqa: F405
