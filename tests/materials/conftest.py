from tests.applications.conftest import *  # noqa: F401,F403  (verified resident, fakes, wired client)
