"""Fill the fields the Order 725n forms print, with EXAMPLES where the register card is not to hand.

The center's legal and Council's addresses and each qualification's labour
functions and additional characteristics are printed on certificates and
their appendices. The values below are plausible examples, not the register
card: each qualification lists in ``example_fields`` what staff must check
(the admin shows it as a warning) and clear once checked. Only empty fields
are filled, so nothing staff entered is overwritten; undoing the migration
leaves the data as it is.
"""

from django.db import migrations

LEGAL_ADDRESS = "198095, г. Санкт-Петербург, ул. Автомобильная, д. 1, лит. А"
COUNCIL_ADDRESS = "125009, г. Москва, ул. Машиностроительная, д. 10, стр. 1"

QUALIFICATIONS = {
    "31.00700.01": {
        "labour_functions": (
            "A/01.3 Сборка узлов и агрегатов автомобиля по технологической документации\n"
            "A/02.3 Регулировка и испытание собранных узлов и агрегатов автомобиля"
        ),
        "additional_characteristics": "Слесарь механосборочных работ 3-го разряда (ЕТКС, выпуск 2)",
    },
    "31.00400.02": {
        "labour_functions": (
            "C/01.5 Диагностика электронных и мехатронных систем автотранспортного средства\n"
            "C/02.5 Ремонт и регулировка мехатронных систем автотранспортного средства\n"
            "C/03.5 Проверка работоспособности мехатронных систем после ремонта"
        ),
        "additional_characteristics": "Слесарь по ремонту автомобилей 5-го разряда (ЕТКС, выпуск 2)",
    },
    "31.00400.03": {
        "labour_functions": (
            "D/01.5 Приемка автотранспортного средства на техническое обслуживание и ремонт\n"
            "D/02.5 Оформление документации на техническое обслуживание и ремонт\n"
            "D/03.5 Выдача автотранспортного средства потребителю после технического обслуживания и ремонта"
        ),
        "additional_characteristics": "Мастер (ЕКС)",
    },
    "31.00400.04": {
        "labour_functions": (
            "E/01.6 Планирование работ участка по техническому обслуживанию и ремонту автотранспортных средств\n"
            "E/02.6 Организация и контроль работ участка по техническому обслуживанию и ремонту\n"
            "E/03.6 Контроль качества выполненных работ и оформление отчетной документации"
        ),
        "additional_characteristics": "Мастер участка (ЕКС)",
    },
}


def _mark(row, names: list[str]) -> None:
    """Add ``names`` to the row's comma-separated ``example_fields``, keeping what is there."""
    listed = [n.strip() for n in row.example_fields.split(",") if n.strip()]
    row.example_fields = ", ".join(listed + [n for n in names if n not in listed])


def fill(apps, schema_editor):
    Center = apps.get_model("standards", "AssessmentCenter")
    Qualification = apps.get_model("standards", "Qualification")

    center_examples = []
    for center in Center.objects.all():
        changed = []
        if not center.legal_address:
            center.legal_address = LEGAL_ADDRESS
            changed.append("legal_address")
        if not center.council_address:
            center.council_address = COUNCIL_ADDRESS
            changed.append("council_address")
        if changed:
            center.save(update_fields=changed)
        # The legal address is printed on every certificate: flag it on the qualifications too.
        if "legal_address" in changed:
            center_examples = ["legal_address"]
    for qualification in Qualification.objects.filter(code__in=QUALIFICATIONS):
        filled = [
            name for name, value in QUALIFICATIONS[qualification.code].items() if not getattr(qualification, name)
        ]
        for name in filled:
            setattr(qualification, name, QUALIFICATIONS[qualification.code][name])
        if filled or center_examples:
            _mark(qualification, filled + center_examples)
            qualification.save(update_fields=[*filled, "example_fields"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0004_center_and_qualification_form_fields")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
