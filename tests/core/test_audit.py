"""Audit trail: bulk writes, admin changes and users are recorded with who and from where."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.audit import audit_context, history_for
from core.middleware import AuditContextMiddleware, RequestIdMiddleware
from core.roles import Role
from devtools import factories as f
from pairings.models import Membership
from teams.choices import DeploymentRole, Post
from teams.models import Deployment, Staff

pytestmark = pytest.mark.django_db


def _through_middleware(request: Any, work: Any) -> HttpResponse:
    """Run ``work`` as the view of a request that passes our real request-id and audit middleware."""

    def view(req: Any) -> HttpResponse:
        work()
        return HttpResponse("ok")

    return RequestIdMiddleware(AuditContextMiddleware(view))(request)


def test_bulk_create_and_update_of_deployments_are_in_history_with_user_and_ip(world: Any) -> None:
    # given: a team and two staff of supporter A, and province staff posting from 10.20.30.40
    team = f.TeamFactory(pairing=world.pairing_a)
    staff = [f.StaffFactory(employer=world.supporter_a) for _ in range(2)]
    user = world.users["province"]
    request = RequestFactory().post("/imports/", REMOTE_ADDR="10.20.30.40", HTTP_X_REQUEST_ID="req-test-0001")
    request.user = user

    def bulk_work() -> None:
        created = Deployment.objects.bulk_create(
            Deployment(
                team=team,
                staff=s,
                supporter=world.supporter_a,
                role=DeploymentRole.MEMBER,
                post=Post.PHYSICIAN,
                planned_start=dt.date(2023, 1, 1),
                planned_end=dt.date(2023, 6, 30),
            )
            for s in staff
        )
        Deployment.objects.filter(pk__in=[d.pk for d in created]).update(planned_end=dt.date(2023, 7, 31))

    # when: the bulk insert and bulk update run inside that request
    response = _through_middleware(request, bulk_work)

    # then: each deployment shows an insert and an update by that user, from that IP and request
    assert response["X-Request-ID"] == "req-test-0001"
    for deployment in Deployment.objects.filter(team=team):
        history = history_for(deployment)
        assert [e.label for e in history] == ["insert", "update"]
        assert {e.username for e in history} == {user.username}
        assert {e.ip for e in history} == {"10.20.30.40"}
        assert {e.request_id for e in history} == {"req-test-0001"}
        assert history[1].url == "/imports/"
        changed = {c.field: (c.old, c.new) for c in history[1].changes}
        assert changed == {"planned_end": ("2023-06-30", "2023-07-31")}


def test_change_through_admin_is_recorded_with_user_and_ip(world: Any, client: Any) -> None:
    # given: a system administrator and alice's membership without personal-data rights
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    membership = Membership.objects.get(user=world.users["alice"])
    assert membership.can_see_personal_data is False

    # when: the administrator grants the right through the admin, from 192.0.2.7
    response = client.post(
        reverse("admin:pairings_membership_change", args=[membership.pk]),
        {
            "user": world.users["alice"].pk,
            "role": Role.RECIPIENT_COORDINATOR,
            "hospital": world.recipient_a.pk,
            "can_see_personal_data": "on",
            "is_active": "on",
            "_save": "Save",
        },
        REMOTE_ADDR="192.0.2.7",
    )

    # then: the change is saved and its event names the administrator, the IP and the changed field
    assert response.status_code == 302, response.content[:500]
    last = history_for(membership)[-1]
    assert last.label == "update"
    assert last.username == "root"
    assert last.ip == "192.0.2.7"
    assert last.source == "web"
    assert [(c.field, c.old, c.new) for c in last.changes] == [("can_see_personal_data", False, True)]


def test_django_users_are_tracked_without_password_hashes(db: Any) -> None:
    # given: a user created and later given staff rights and a new password by a management command
    user = get_user_model().objects.create_user("erin", password="First-Strong-Pass-41")
    with audit_context(actor=None, source="command:createsuperuser"):
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
        user.set_password("Another-Strong-Pass-42")
        user.save(update_fields=["password"])

    # when: reading the user's history
    history = history_for(user)

    # then: creation, the rights change and the password change are there, attributed to the command,
    # and no snapshot holds the password hash
    assert [e.label for e in history] == ["insert", "update", "password_change"]
    assert history[1].source == "command:createsuperuser"
    assert [(c.field, c.new) for c in history[1].changes] == [("is_staff", True)]
    assert all(c.field != "password" for e in history for c in e.changes)


def test_audit_context_attributes_task_writes_to_actor(world: Any) -> None:
    # given: a job run on behalf of province staff
    actor = world.users["province"]
    staff = f.StaffFactory(employer=world.supporter_a)

    # when: the task changes a row inside audit_context
    with audit_context(actor=actor, source="celery:teams.import_roster", task_id="t-1"):
        staff.department = "急诊科"
        staff.save()

    # then: the event is attributed to the actor and the task
    last = history_for(staff)[-1]
    assert (last.username, last.source, last.ip) == (actor.username, "celery:teams.import_roster", None)


def test_history_masks_personal_data_for_viewers_without_the_right(world: Any) -> None:
    # given: a staff record whose phone changed
    staff = f.StaffFactory(employer=world.supporter_a, phone="13812345678")
    staff.phone = "13987654321"
    staff.save()

    # when: a viewer without the right and one with it read the history
    masked = history_for(staff, viewer=world.users["city_a"])[-1].changes
    Membership.objects.filter(user=world.users["province"]).update(can_see_personal_data=True)
    full = history_for(staff, viewer=f.UserFactory(username="root2", is_superuser=True))[-1].changes

    # then: only the second sees the numbers
    assert [(c.old, c.new) for c in masked if c.field == "phone"] == [("138****5678", "139****4321")]
    assert [(c.old, c.new) for c in full if c.field == "phone"] == [("13812345678", "13987654321")]


class TestAuditView:
    def _url(self, obj: Any) -> str:
        return reverse(
            "audit_history",
            kwargs={"app_label": obj._meta.app_label, "model": obj._meta.model_name, "pk": obj.pk},
        )

    def test_commission_staff_see_the_history_of_their_objects(self, world: Any, client: Any) -> None:
        # given: pairing A changed once
        world.pairing_a.note = "调整"
        world.pairing_a.save()
        client.force_login(world.users["city_a"])

        # when
        response = client.get(self._url(world.pairing_a))

        # then
        assert response.status_code == 200
        assert "变更记录" in response.content.decode()
        assert len(response.context["history"]) >= 2

    @pytest.mark.parametrize("who", ["city_b", "alice", "charlie", "dashboard", "nobody"])
    def test_foreign_objects_and_non_commission_users_get_404(
        self, world: Any, client: Any, who: str
    ) -> None:
        client.force_login(world.users[who])
        assert client.get(self._url(world.pairing_a)).status_code == 404

    def test_unknown_or_untracked_models_get_404(self, world: Any, client: Any) -> None:
        client.force_login(world.users["province"])
        assert client.get("/audit/pairings/nosuchmodel/1/").status_code == 404
        # Province is not audited
        assert client.get(self._url(world.province)).status_code == 404

    def test_anonymous_users_are_sent_to_login(self, world: Any, client: Any) -> None:
        assert client.get(self._url(world.pairing_a)).status_code == 302


def test_management_commands_attribute_their_writes(world: Any) -> None:
    # given: a data-fixing command built on AuditedCommand
    from core.audit import AuditedCommand

    staff = f.StaffFactory(employer=world.supporter_a)

    class Command(AuditedCommand):
        def handle(self, *args: Any, **options: Any) -> None:
            Staff.objects.filter(pk=staff.pk).update(department="检验科")

    # when: province staff runs it
    from django.core.management import call_command

    call_command(Command(), actor=world.users["province"].username)

    # then
    last = history_for(staff)[-1]
    assert (last.username, last.source) == (world.users["province"].username, "command:test_audit")


def test_audit_page_query_count_does_not_grow_with_events(
    world: Any, client: Any, django_assert_max_num_queries: Any
) -> None:
    # given: a pairing with 3 events, viewed by province staff
    client.force_login(world.users["province"])
    url = reverse(
        "audit_history", kwargs={"app_label": "pairings", "model": "pairing", "pk": world.pairing_a.pk}
    )
    # (in a test everything is one transaction, so the later saves inherit this request's audit context:
    # the events then have a user, as they would in real life)
    client.get(url)
    for i in range(2):
        world.pairing_a.note = f"v{i}"
        world.pairing_a.save()
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200

    # when: 30 more changes
    for i in range(30):
        world.pairing_a.note = f"w{i}"
        world.pairing_a.save()

    # then: the page needs no more queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["history"]) == 33
