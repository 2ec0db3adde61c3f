"""A candidate who asked for the documents by post (Order 706n; Decree 1204 p.17): the delivery form defaults to
registered mail and shows the application's address; a phone candidate is owed a call when it is issued."""

from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, CallTask, NotifyBy
from qac.certificates import services


def application_of(document) -> Application:
    return document.result.enrolment.application


def test_the_delivery_form_defaults_to_registered_mail_with_the_address(client, staff, rendered_certificate):
    Application.objects.filter(pk=application_of(rendered_certificate).pk).update(
        postal_address="190000, СПб, Невский 1"
    )
    client.force_login(staff)
    response = client.get(reverse("certificates:document", args=[rendered_certificate.pk]))
    assert response.context["delivery_form"].initial["method"] == "post"
    assert "190000, СПб, Невский 1" in response.content.decode()


def test_without_an_address_the_form_defaults_to_handing_over(client, staff, rendered_certificate):
    client.force_login(staff)
    response = client.get(reverse("certificates:document", args=[rendered_certificate.pk]))
    assert response.context["delivery_form"].initial["method"] == "handed"
    assert 'data-testid="postal-address"' not in response.content.decode()


def test_issuing_to_a_phone_candidate_owes_them_a_call(staff, rendered_certificate):
    application = application_of(rendered_certificate)
    Application.objects.filter(pk=application.pk).update(notify_by=NotifyBy.PHONE)
    services.document_deliver(
        document=rendered_certificate,
        by=staff,
        method="post",
        delivered_on=timezone.localdate(),
        tracking_number="19000012345678",
    )
    assert CallTask.objects.filter(application=application, event=CallTask.Event.DOCUMENT).count() == 1
