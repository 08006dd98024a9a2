from pathlib import Path

import pytest
from asgiref.local import Local
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.tasks import task_backends

from tests.factories import ResourceFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a file rather than in memory, so a server process can share it."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        test_name = Path(settings.BASE_DIR) / "test-db.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_name)


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages are tested with hashed static names, as production serves them."""
    call_command("collectstatic", interactive=False, verbosity=0)


@receiver(setting_changed)
def reset_task_backends(*, setting, **kwargs):
    """A test that changes TASKS gets the backends it names (Django does this for CACHES)."""
    if setting == "TASKS":
        task_backends._settings = task_backends.settings = task_backends.configure_settings(None)
        task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached (a rolled-back test may leave pages behind)."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_superuser(
        username="curator", email="curator@example.org", password="a-long-curator-password"
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def resource(db):
    return ResourceFactory(tags=["circuits", "gpt-2"])


# Accounts and proposals.


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """
    Hashing with the production hasher makes each account take a noticeable
    moment. Browser tests keep it: their server checks passwords with it.
    """
    if "browser" not in request.node.path.parts:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory(username="ada", email="ada@example.org")


@pytest.fixture
def moderator(db):
    from tests.factories import UserFactory

    return UserFactory(username="mod", email="mod@example.org", moderator=True)


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


# Metadata sources (arXiv, Crossref, OpenReview, GitHub) answering on loopback.


@pytest.fixture(scope="session")
def source_server_session():
    from tests.sources.source_server import SourceServer, SourceState

    server = SourceServer(SourceState()).start()
    yield server
    server.stop()


@pytest.fixture
def source_server(source_server_session, settings):
    """The recorded sources on loopback, with every base URL setting pointing at them."""
    from tests.sources.source_server import point_settings_at

    source_server_session.state.reset()
    source_server_session.state.default_repositories = False
    point_settings_at(settings, source_server_session.url)
    return source_server_session
