"""
Who may open what: every URL of accounts, proposals and the review queue, for
an anonymous visitor, the proposal's submitter, another user, staff without
the moderate permission, and a moderator.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from submissions.models import Submission
from tests.factories import ResourceFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ROLES = ["anonymous", "owner", "other", "staff", "moderator"]

# (name, method, path, expected per role). A string is a redirect: its target starts with it.
ANYONE = [200] * 5
MEMBERS = [LOGIN, 200, 200, 200, 200]
OWNER_ONLY = [LOGIN, 200, 404, 404, 404]
QUEUE = [ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200]
MODERATORS = [ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 200]
MINE = "/proposals/"
MATRIX = [
    ("signup", "get", "/accounts/signup/", [200, MINE, MINE, MINE, MINE]),
    ("login", "get", "/accounts/login/", [200, MINE, MINE, MINE, MINE]),
    ("logout", "post", "/accounts/logout/", ["/"] * 5),
    ("password change", "get", "/accounts/password_change/", MEMBERS),
    ("password reset", "get", "/accounts/password_reset/", ANYONE),
    # Logged out, the page says why an account is needed instead of sending to log in.
    ("submit", "get", "/submit/", [200, 200, 200, 200, 200]),
    ("correct", "get", "/submit/correction/{slug}/", MEMBERS),
    ("report", "get", "/submit/broken-link/{slug}/", MEMBERS),
    ("my proposals", "get", "/proposals/", MEMBERS),
    ("edit", "get", "/proposals/{sent_back}/edit/", OWNER_ONLY),
    ("withdraw, asked", "get", "/proposals/{pending}/withdraw/", OWNER_ONLY),
    ("withdraw", "post", "/proposals/{pending}/withdraw/", [LOGIN, MINE, 404, 404, 404]),
    ("queue", "get", "/admin/submissions/submission/", QUEUE),
    ("proposal in admin", "get", "/admin/submissions/submission/{pending}/change/", QUEUE),
    ("review log", "get", "/admin/submissions/submissionevent/", MODERATORS),
]


@pytest.fixture
def world():
    owner = UserFactory(username="owner")
    staff = UserFactory(username="staff", staff=True)
    # Staff who may look at the queue but not decide.
    staff.user_permissions.add(Permission.objects.get(codename="view_submission"))
    return {
        "users": {
            "anonymous": None,
            "owner": owner,
            "other": UserFactory(username="other"),
            "staff": staff,
            "moderator": UserFactory(username="moderator", moderator=True),
        },
        "slug": ResourceFactory().slug,
        "pending": SubmissionFactory(submitter=owner).pk,
        "sent_back": SubmissionFactory(submitter=owner, changes_requested=True).pk,
    }


@pytest.mark.parametrize(("role_index", "role"), list(enumerate(ROLES)))
@pytest.mark.parametrize(("name", "method", "path", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_access_matrix(client, world, name, method, path, expected, role_index, role):
    if user := world["users"][role]:
        client.force_login(user)
    url = path.format(**world)
    response = getattr(client, method)(url)
    wanted = expected[role_index]
    if isinstance(wanted, str):
        assert response.status_code == 302, f"{name} as {role}"
        target = response.url.split("?")[0]
        assert target == wanted or (wanted != "/" and target.startswith(wanted)), target
    else:
        assert response.status_code == wanted, f"{name} as {role}"


@pytest.mark.parametrize("role", ["anonymous", "owner", "other", "staff", "moderator"])
def test_approve_action_works_for_moderators_only(client, world, role):
    if user := world["users"][role]:
        client.force_login(user)
    client.post(
        reverse("admin:submissions_submission_changelist"),
        {"action": "approve", "_selected_action": [world["pending"]], "index": 0, "apply": 1},
    )
    state = Submission.objects.get(pk=world["pending"]).state
    assert state == ("approved" if role == "moderator" else "pending")


def test_staff_without_the_moderate_permission_see_no_decision_actions(client, world):
    client.force_login(world["users"]["staff"])
    page = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    assert 'value="approve"' not in page and 'value="reject"' not in page
    client.force_login(world["users"]["moderator"])
    page = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    for action in ("approve", "reject", "request_changes"):
        assert f'<option value="{action}">' in page
