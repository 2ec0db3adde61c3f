"""The fast path: documents set into their form's blank (stamp.py) read exactly as WeasyPrint lays them out."""

import pytest
from django.utils import translation

from qac.certificates import render, stamp
from qac.certificates.models import Kind
from tests.helpers.forms_725n import for_render, page_lines

LONG_SURNAME = "Константинопольская-Преображенская-Римская-Корсакова"


def both_paths(document, center) -> tuple[bytes | None, bytes]:
    (document,) = for_render(document)
    with translation.override("ru"):
        fast = render.stamped(document, center)
    return fast, render.laid_out([document], center)[document.pk]


def test_a_certificate_reads_line_for_line_as_the_laid_out_one(make_document, center):
    fast, slow = both_paths(make_document(), center)

    assert fast is not None
    assert page_lines(fast) == page_lines(slow)


def test_a_name_too_long_for_one_line_wraps_where_the_html_form_wraps_it(make_document, center):
    document = make_document(holder_last_name=LONG_SURNAME, holder_patronymic="Константиновна-Эдуардовна")

    fast, slow = both_paths(document, center)

    assert fast is not None
    lines = page_lines(fast)
    assert lines == page_lines(slow)
    assert "Константинопольская-Преображенская-" in lines[0]  # broken after a hyphen, as Pango breaks it


def test_a_conclusion_with_long_recommendations_reads_as_the_laid_out_one(make_document, center):
    recommendations = "\n".join(
        f"{n}. Изучить устройство электронных систем управления двигателем и повторить раздел {n} программы."
        for n in range(1, 9)
    )
    document = make_document(kind=Kind.CONCLUSION, valid_until=None, recommendations=recommendations)

    fast, slow = both_paths(document, center)

    assert fast is not None
    assert page_lines(fast) == page_lines(slow)


def test_a_character_the_font_lacks_sends_the_document_to_weasyprint(make_document, center):
    document = make_document(holder_last_name="Ли 李")
    fast, _slow = both_paths(document, center)

    pdf = render.render_batch(for_render(document))[document.pk]

    assert fast is None
    assert "Ли 李" in " ".join(page_lines(pdf)[0])


def test_a_batch_of_one_form_lays_out_its_blank_once(make_document, center):
    names = ("Анна", "Юлия", "Эльвира")
    documents = for_render(
        *(make_document(holder_first_name=name, number=f"31.00400.02.0000002{n}.26") for n, name in enumerate(names))
    )
    stamp._plan_for.cache_clear()

    pdfs = render.render_batch(documents)

    assert stamp._plan_for.cache_info().misses == 1
    assert all(pdfs[d.pk].count(b"/Subtype /Image") == 1 for d in documents)


@pytest.mark.parametrize("text", ["", "   "])
def test_break_lines_keeps_an_empty_text_one_empty_line(text):
    assert stamp.break_lines(text, stamp.font_name("Liberation Serif", False, False), 12, 100, 100) == [""]
