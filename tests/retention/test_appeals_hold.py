"""An open appeal keeps what it concerns: the commission and a re-exam need the application's file and the
session's materials, so neither comes due until the appeal is rejected, executed or withdrawn."""

import pytest
from django.core.files.base import ContentFile

from qac.appeals.models import Appeal, AppealStatus
from qac.appeals.selectors import LIVE
from qac.retention.selectors import due_application_files, due_session_materials
from tests.helpers.retention import shifted

pytestmark = pytest.mark.django_db


def test_an_open_appeal_keeps_the_file_and_the_sessions_materials_until_it_is_closed(demo):
    live = Appeal.objects.filter(status__in=LIVE, result__isnull=False).select_related("result__enrolment__session")
    assert live.exists(), "the demo has open appeals against a result"
    session = live.first().result.enrolment.session
    session.protocol.save("protocol.pdf", ContentFile(b"%PDF"))  # materials to destroy, or none would be listed
    appealed = set(live.values_list("application", flat=True))
    today = shifted(7)

    assert not appealed & set(due_application_files(today=today).values_list("pk", flat=True))
    assert not due_session_materials(today=today).filter(pk=session.pk).exists()

    Appeal.objects.filter(pk__in=live.values("pk")).update(status=AppealStatus.REJECTED)
    assert appealed <= set(due_application_files(today=today).values_list("pk", flat=True))
    assert due_session_materials(today=today).filter(pk=session.pk).exists()
