"""The package for the Council (qac/council/package.py): what the ZIP holds, that every file is the
one stored or the one the data says, and that it is refused before the results are approved.

The expected values come from the source rows (profiles, uploaded files, scores), never from the
package's own reading of them.
"""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.models import ApplicationDocument, CandidateProfile
from qac.council.package import PackageError, package_filename, write_package
from qac.exams.models import Answer, Choice, CommissionMember, PracticalScore, Question, SessionStatus
from qac.exams.tasks import render_protocol_task
from tests.helpers.council import (
    ABSENT,
    COUNCIL,
    COUNCIL_ADDRESS,
    FAIL_PRACTICAL,
    FAIL_THEORY,
    INCIDENT,
    LEGAL_ADDRESS,
    PASS,
    REMOVED,
    Package,
    make_candidate,
    sha256,
)
from tests.helpers.exams import ru

OUTCOMES = [PASS, FAIL_THEORY, FAIL_PRACTICAL, REMOVED, ABSENT]
# Phrases of the Order 706n form that every application must carry.
PHRASES_706N = [
    "Руководителю центра оценки квалификаций",
    "ЗАЯВЛЕНИЕ",
    "для проведения независимой оценки квалификации",
    "прошу допустить меня к сдаче профессионального экзамена по квалификации",
    "адрес регистрации по месту жительства",
    "С Правилами проведения центром оценки квалификаций независимой оценки квалификации",
    "ознакомлен(а)",
    "прошу уведомить по контактному телефону или адресу электронной почты",
    "заказным почтовым отправлением с уведомлением о вручении",
    "Копия паспорта или иного документа, удостоверяющего личность",
    "Я согласен(на) на обработку в соответствии с Федеральным законом от 27 июля 2006 г. № 152-ФЗ",
    "Я уведомлен(а) и понимаю, что под обработкой персональных данных",
    "(подпись)",
    "(расшифровка подписи)",
]


def write(session) -> Package:
    out = io.BytesIO()
    write_package(session, out)
    return Package(out.getvalue())


@pytest.fixture
def built(make_exam):
    """An approved session: passed, failed theory, failed practical, removed, absent (in that order)."""
    holders = [
        make_candidate(last_name="Ёлкин", first_name="Фёдор", patronymic="Юрьевич", id_doc_number="654321"),
        make_candidate(last_name="Лебедева", first_name="Анна", patronymic=""),
        make_candidate(last_name="Щукин", first_name="Артемий", patronymic="Константинович"),
        make_candidate(last_name="Удалов", first_name="Олег", patronymic="Ильич"),
        make_candidate(last_name="Неявкин", first_name="Семён", patronymic="Павлович"),
    ]
    return make_exam(OUTCOMES, holders=holders)


@pytest.fixture
def package(built):
    return write(built.session)


def folder_by_outcome(package: Package, built) -> dict[str, str]:
    """Outcome -> the candidate's folder, through the manifest's application numbers."""
    by_number = {c["application"]: c["folder"].rstrip("/") for c in package.manifest["candidates"]}
    return {
        outcome: by_number[result.enrolment.application.number]
        for outcome, result in zip(OUTCOMES, built.results, strict=True)
    }


def test_the_package_holds_the_letter_protocol_manifest_and_a_folder_per_candidate(package, built):
    assert package.names[0] == "00-covering-letter.pdf", "the letter comes first"
    assert package.names[1] == "01-protocol.pdf"
    assert package.names[-1] == "manifest.json"
    folders = folder_by_outcome(package, built)
    assert sorted(folders.values()) == package.folders()
    assert len(package.folders()) == len(OUTCOMES)
    # Folders are numbered in the protocol's order and named by the transliterated surname.
    assert [f[:3] for f in package.folders()] == [f"{n:02d}-" for n in range(1, 6)]
    assert folders[PASS].endswith("-Elkin-FI")
    assert folders[FAIL_THEORY].endswith("-Lebedeva-A")
    # ASCII names: any archiver shows them right, with or without the UTF-8 flag.
    assert all(name.isascii() for name in package.names)
    assert package.zip.testzip() is None


def test_who_sat_the_exam_gets_theory_and_practical_files_and_the_absent_only_the_application_set(package, built):
    folders = folder_by_outcome(package, built)
    for outcome in (PASS, FAIL_THEORY, FAIL_PRACTICAL, REMOVED):
        assert package.files_in(folders[outcome]) == [
            "01-Pasport.pdf",
            "application-706n.pdf",
            "practical.pdf",
            "theory.pdf",
        ], outcome
    assert package.files_in(folders[ABSENT]) == ["01-Pasport.pdf", "application-706n.pdf"]


def test_uploaded_documents_are_the_stored_files_byte_for_byte(package, built):
    folders = folder_by_outcome(package, built)
    for outcome, result in zip(OUTCOMES, built.results, strict=True):
        (document,) = ApplicationDocument.objects.filter(application=result.enrolment.application)
        with document.file.open("rb") as handle:
            stored = handle.read()
        packed = package.read(f"{folders[outcome]}/01-Pasport.pdf")
        assert packed == stored
        assert sha256(packed) == document.sha256


def test_the_manifest_lists_every_member_with_its_hash_and_size(package, built, center):
    manifest = package.manifest
    files = {f["name"]: f for f in manifest["files"]}
    assert sorted(files) == sorted(n for n in package.names if n != "manifest.json")
    for name, entry in files.items():
        data = package.read(name)
        assert entry["sha256"] == sha256(data), name
        assert entry["size"] == len(data), name
    session = built.session
    assert manifest["session"]["id"] == session.pk
    assert manifest["session"]["qualification_code"] == session.qualification.code
    assert manifest["center"]["register_number"] == "78.033"
    assert manifest["created_at"]
    assert [c["decision"] for c in manifest["candidates"]] == [
        r.decision for r in sorted(built.results, key=lambda r: r.enrolment.application.candidate.get_full_name())
    ]


def test_the_706n_application_carries_the_candidates_data_and_the_forms_phrases(package, built):
    folders = folder_by_outcome(package, built)
    for outcome, result in zip(OUTCOMES, built.results, strict=True):
        user = result.enrolment.application.candidate
        profile = CandidateProfile.objects.get(user=user)
        text = package.text(f"{folders[outcome]}/application-706n.pdf")
        assert user.get_full_name() in text
        assert profile.id_doc_number in text
        assert profile.id_doc_series in text
        assert profile.date_of_birth.strftime("%d.%m.%Y") in text
        assert built.session.qualification.name in text
        assert user.email in text
        assert result.enrolment.application.number in text
        # Spaces aside: the PDF's text breaks lines inside "152-ФЗ".
        for phrase in PHRASES_706N:
            assert phrase.replace(" ", "") in text.replace(" ", ""), (outcome, phrase)
    text = package.text(f"{folders[PASS]}/application-706n.pdf")
    assert "654321" in text
    assert "Паспорт гражданина Российской Федерации" in text


def test_the_covering_letter_names_the_council_the_center_and_every_candidate(package, built, center, commission):
    text = package.text("00-covering-letter.pdf")
    assert COUNCIL in text
    assert COUNCIL_ADDRESS in text
    assert center.name in text
    assert LEGAL_ADDRESS in text
    assert "78.033" in text
    assert center.head_name in text
    assert built.session.qualification.code in text
    assert built.session.qualification.name in text
    for result in built.results:
        assert result.enrolment.application.candidate.get_full_name() in text
    # The commission, chair first.
    names = [m.get_full_name() for m in commission]
    positions = [text.index(n) for n in names]
    assert positions[0] == min(positions)
    # The outcomes as approved, the absent candidate's missing materials, the removal's incident.
    for label in ("Сдал(а)", "Не сдал(а)", "Удалён(а) за нарушение правил", "Не явился(-ась)"):
        assert label in text
    assert "материалы этапов экзамена отсутствуют" in text
    assert INCIDENT in text
    # The inventory names every file of the package.
    for name in package.names:
        assert name in text.replace(" ", ""), name


def test_the_protocol_is_the_stored_one_when_it_exists(built):
    render_protocol_task(built.session.pk)
    built.session.refresh_from_db()
    with built.session.protocol.open("rb") as handle:
        stored = handle.read()
    package = write(built.session)
    assert package.read("01-protocol.pdf") == stored
    assert package.manifest["protocol"] == "stored"


def test_a_missing_protocol_is_rendered_for_the_package_and_not_stored(built):
    assert not built.session.protocol
    package = write(built.session)
    assert package.manifest["protocol"] == "rendered-for-package"
    text = package.text("01-protocol.pdf")
    assert "Протокол экспертной комиссии" in text
    for result in built.results:
        assert result.enrolment.application.candidate.get_full_name() in text
    built.session.refresh_from_db()
    assert not built.session.protocol, "storing the protocol is the exams app's work"


def test_a_stored_protocol_that_changed_stops_the_package(built):
    render_protocol_task(built.session.pk)
    built.session.refresh_from_db()
    with open(built.session.protocol.path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(PackageError) as exc:
        write(built.session)
    assert str(exc.value) == ru(
        "The stored protocol of session %(pk)s does not match its checksum: render it again.", pk=built.session.pk
    )


def test_the_theory_file_shows_the_questions_asked_the_answers_given_and_the_correct_ones(package, built):
    folders = folder_by_outcome(package, built)
    result = built.results[OUTCOMES.index(FAIL_THEORY)]
    attempt = result.enrolment.theory_attempt
    text = package.text(f"{folders[FAIL_THEORY]}/theory.pdf")
    assert f"{attempt.score} из {attempt.max_score}" in text
    assert f"{result.theory_percent} (порог прохождения" in text
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        assert question.text in text
        for choice in Choice.objects.filter(question=question):
            assert choice.text in text
    assert Answer.objects.filter(attempt=attempt).count() == len(attempt.question_ids)
    assert text.count("неверно") == len(attempt.question_ids), "every answer was wrong"

    paper = package.text(f"{folders[PASS]}/theory.pdf")
    assert "на бумажном носителе" in paper
    assert "Тест на бумаге" in paper, "the reason for the paper score"
    removed = package.text(f"{folders[REMOVED]}/theory.pdf")
    assert "не проходился" in removed
    assert INCIDENT in removed


def test_the_practical_file_lists_every_experts_scores(package, built, commission):
    folders = folder_by_outcome(package, built)
    for outcome in (PASS, FAIL_PRACTICAL):
        result = built.results[OUTCOMES.index(outcome)]
        text = package.text(f"{folders[outcome]}/practical.pdf")
        chair_at = text.index(commission[0].get_full_name())
        for expert in commission:
            scores = PracticalScore.objects.filter(enrolment=result.enrolment, expert=expert).select_related(
                "criterion"
            )
            assert scores.count() == 2
            section = text[text.index(expert.get_full_name()) :]
            total = sum(s.score for s in scores)
            maximum = sum(s.criterion.max_score for s in scores)
            for score in scores:
                assert f"{score.criterion.text} {score.score} {score.criterion.max_score}" in section
            assert f"Итого {total} {maximum}" in section
            assert text.index(expert.get_full_name()) >= chair_at, "the chair's sheet first"
        assert f"{result.practical_percent} (порог прохождения" in text
    passed = package.text(f"{folders[PASS]}/practical.pdf")
    assert "Итого 9 10 90 % — этап пройден" in passed
    failed = package.text(f"{folders[FAIL_PRACTICAL]}/practical.pdf")
    assert "Итого 0 10 0 % — этап не пройден" in failed
    assert "Не сдал(а)" in failed


def test_a_session_whose_results_are_not_approved_is_refused(make_exam):
    built = make_exam([PASS, FAIL_THEORY], approve=False)
    assert built.session.status == SessionStatus.COMPLETED
    out = io.BytesIO()
    with pytest.raises(PackageError) as refused:
        write_package(built.session, out)
    assert "approved" in refused.value.message or "утвержд" in refused.value.message
    assert out.getvalue() == b"", "nothing is written"


def test_the_file_name_names_the_center_qualification_day_and_session(built):
    session = built.session
    day = timezone.localdate(session.starts_at).strftime("%Y%m%d")
    assert package_filename(session) == (
        f"council-package-78.033-{session.qualification.code}-{day}-session{session.pk}.zip"
    )


def test_the_number_of_queries_does_not_grow_with_the_candidates(make_exam):
    """Two candidates or four, the same queries (both sessions hold an online test, which adds its three)."""
    small = make_exam([FAIL_THEORY, ABSENT])
    large = make_exam([FAIL_THEORY, PASS, REMOVED, ABSENT])
    counts = []
    for built in (small, large):
        with CaptureQueriesContext(connection) as queries:
            write(built.session)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # Center, session, commission, enrolments, documents, scores, profiles, criteria, the test's
    # questions, choices and answers, and the protocol rendered for the package (its own six).
    assert counts[0] <= 17, counts


def test_the_manifest_is_valid_json_in_utf8(package):
    raw = package.read("manifest.json")
    assert json.loads(raw.decode("utf-8"))["format"] == "qac-council-package/1"
    assert CommissionMember.objects.exists()
    assert zipfile.is_zipfile(io.BytesIO(package.data))
