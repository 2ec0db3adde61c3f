"""Fill the center's public information with EXAMPLES, for the head to check and replace in the admin.

Decree 1204 p.4 and Order 759n (App. 1 p.1 «г») list what a center publishes: its contacts and
address, the exam venues, the Council's and the appeals commission's contacts, a link to the
register, the exam rules. The prices are the center's own. None of this is known to the system,
so the values below are plausible examples: the center lists in ``example_fields`` what to check
(the admin warns each time the row is opened), each fee and section carries ``is_example`` and the
public pages say «example» beside them until the head clears it. Only empty fields are filled, so
nothing the head entered is overwritten; undoing the migration removes only the example rows.
"""

import datetime
from decimal import Decimal

from django.db import migrations

CENTER_EXAMPLES = {
    "address": "198095, г. Санкт-Петербург, ул. Автомобильная, д. 1, лит. А, офис 12",
    "email": "info@autoprom-nw.example",
    "phone": "+7 (812) 000-00-00",
    "website": "https://autoprom-nw.example/",
    "opening_hours": "Пн–Чт 9:00–18:00\nПт 9:00–16:45\nСб, Вс — выходные дни",
    "exam_venues": "198095, г. Санкт-Петербург, ул. Автомобильная, д. 1, лит. А (учебно-экзаменационный участок)",
    "council_website": "https://spk-auto.example/",
    "appeals_address": "125009, г. Москва, ул. Машиностроительная, д. 10, стр. 1, апелляционная комиссия СПК",
    "appeals_email": "appeal@spk-auto.example",
    "appeals_phone": "+7 (495) 000-00-00",
}
# The register of independent qualification assessment kept by NARK: a real address, not an example.
REGISTER_URL = "https://nok-nark.ru/"

FEE_FROM = datetime.date(2026, 1, 1)
FEES = {
    "31.00700.01": Decimal("9500.00"),
    "31.00400.02": Decimal("14500.00"),
    "31.00400.03": Decimal("13500.00"),
    "31.00400.04": Decimal("16000.00"),
}
FEE_NOTE = "НДС не облагается (пример)"

PAGES = [
    {
        "kind": "rules",
        "title": "Правила проведения профессионального экзамена в центре",
        "body": (
            "Профессиональный экзамен проводится в соответствии с Правилами, утвержденными постановлением "
            "Правительства Российской Федерации от 16 ноября 2016 г. № 1204, и оценочными средствами, "
            "утвержденными советом по профессиональным квалификациям.\n\n"
            "Экзамен состоит из теоретического этапа (тестирование на компьютере) и практического этапа "
            "(выполнение заданий на экзаменационном участке под наблюдением экспертной комиссии).\n\n"
            "Соискатель является к началу экзамена с паспортом или иным документом, удостоверяющим личность. "
            "Во время теоретического этапа нельзя пользоваться телефоном, справочными материалами и помощью "
            "других лиц; нарушивший это правило отстраняется от экзамена.\n\n"
            "Соискатель, не явившийся на экзамен по уважительной причине, может пройти его в другую дату "
            "по согласованию с центром."
        ),
        "position": 10,
    },
    {
        "kind": "appeals",
        "title": "Порядок подачи апелляции",
        "body": (
            "Соискатель, работодатель или иное лицо, оплатившее экзамен, не согласные с решением центра "
            "по итогам профессионального экзамена, в течение 30 календарных дней с даты информирования "
            "о результатах вправе подать письменную жалобу в апелляционную комиссию совета по "
            "профессиональным квалификациям (часть 6 статьи 4 Федерального закона № 238-ФЗ).\n\n"
            "Жалоба подается по почтовому адресу или адресу электронной почты апелляционной комиссии, "
            "указанным на этой странице, в порядке, установленном положением об апелляционной комиссии совета."
        ),
        "position": 20,
    },
]


def fill(apps, schema_editor):
    Center = apps.get_model("standards", "AssessmentCenter")
    Qualification = apps.get_model("standards", "Qualification")
    Fee = apps.get_model("standards", "Fee")
    PublicPage = apps.get_model("standards", "PublicPage")

    for center in Center.objects.all():
        filled = [name for name, value in CENTER_EXAMPLES.items() if not getattr(center, name)]
        for name in filled:
            setattr(center, name, CENTER_EXAMPLES[name])
        listed = [n.strip() for n in center.example_fields.split(",") if n.strip()]
        center.example_fields = ", ".join(listed + [n for n in filled if n not in listed])
        if not center.register_url:
            center.register_url = REGISTER_URL
        center.save()

    for qualification in Qualification.objects.filter(code__in=FEES):
        if not Fee.objects.filter(qualification=qualification).exists():
            Fee.objects.create(
                qualification=qualification,
                amount=FEES[qualification.code],
                valid_from=FEE_FROM,
                note=FEE_NOTE,
                is_example=True,
            )

    for page in PAGES:
        if not PublicPage.objects.filter(kind=page["kind"]).exists():
            PublicPage.objects.create(is_example=True, **page)


def remove(apps, schema_editor):
    apps.get_model("standards", "Fee").objects.filter(is_example=True).delete()
    apps.get_model("standards", "PublicPage").objects.filter(is_example=True).delete()


class Migration(migrations.Migration):
    dependencies = [("standards", "0007_public_information")]

    operations = [migrations.RunPython(fill, remove)]
