"""Load the center's identity and the four qualifications it is empowered for.

Source: the seed study, section 7.3, and domain.md (Council minutes No. 30 of
25.04.2020). Everything here is ordinary data that staff edit in the admin.
The exam specifications, practical tasks and required documents are
EXAMPLES (is_example=True) until staff replace them with the approved
assessment tools of each qualification; the standards' names and Russian
qualification names are our translation and must be checked against the
register card.
"""

import datetime

from django.db import migrations

CENTER = {
    "name": "Центр оценки квалификаций «Автопром Северо-Запад»",
    "name_en": "Qualifications Assessment Center “Autoprom North-West”",
    "register_number": "78.033",
    "city": "Санкт-Петербург",
    "council_name": "Совет по профессиональным квалификациям в автомобилестроении",
    "empowerment_minutes": "№ 30",
    "empowerment_date": datetime.date(2020, 4, 25),
    "operating_since": datetime.date(2020, 6, 1),
}

STANDARDS = [
    {
        "code": "31.004",
        "name": "Специалист по мехатронным системам автомобиля",
        "name_en": "Specialist in automotive mechatronic systems",
        "activity_area": "Автомобилестроение",
    },
    {
        "code": "31.007",
        "name": "Слесарь механосборочных работ в автомобилестроении",
        "name_en": "Locksmith of mechanical assembly works in the automotive industry",
        "activity_area": "Автомобилестроение",
    },
]

QUALIFICATIONS = [
    {
        "standard": "31.007",
        "code": "31.00700.01",
        "name": "Слесарь механосборочных работ в автомобилестроении (3 уровень квалификации)",
        "name_en": "Locksmith of mechanical assembly works in the automotive industry (level 3)",
        "level": 3,
        "spec": (30, 60, 70, "all"),
        "tasks": [
            ("Сборка узла по технологической карте", 60, ["Соблюдение последовательности сборки", "Момент затяжки резьбовых соединений", "Соблюдение требований охраны труда"]),
        ],
    },
    {
        "standard": "31.004",
        "code": "31.00400.02",
        "name": "Автомехатроник по ремонту автотранспортных средств (5 уровень квалификации)",
        "name_en": "Automechatronic for the repair of vehicles (level 5)",
        "level": 5,
        "spec": (40, 90, 70, "all"),
        "tasks": [
            ("Диагностика электронной системы управления двигателем", 60, ["Подключение диагностического оборудования", "Чтение и интерпретация кодов неисправностей", "Обоснование вывода о неисправности"]),
            ("Замена и адаптация компонента мехатронной системы", 60, ["Выбор технологии ремонта", "Выполнение адаптации", "Проверка работоспособности после ремонта"]),
        ],
    },
    {
        "standard": "31.004",
        "code": "31.00400.03",
        "name": "Мастер приемки автотранспортных средств на техническое обслуживание, ремонт и выдачи автотранспортных средств потребителю (5 уровень квалификации)",
        "name_en": "Master of acceptance of vehicles for maintenance, repair and delivery of vehicles to the consumer (level 5)",
        "level": 5,
        "spec": (40, 90, 70, "majority"),
        "tasks": [
            ("Приемка автомобиля на обслуживание", 45, ["Осмотр и фиксация состояния автомобиля", "Оформление заказ-наряда", "Коммуникация с клиентом"]),
            ("Выдача автомобиля клиенту", 45, ["Проверка выполненных работ", "Оформление документов выдачи", "Разъяснение клиенту выполненных работ"]),
            ("Разбор претензии клиента", 30, ["Анализ претензии", "Предложение решения"]),
        ],
    },
    {
        "standard": "31.004",
        "code": "31.00400.04",
        "name": "Мастер участка по техническому обслуживанию и ремонту автотранспортных средств и их компонентов (6 уровень квалификации)",
        "name_en": "Master of the repair area for maintenance, repair of vehicles and their components (level 6)",
        "level": 6,
        "spec": (50, 120, 75, "mean"),
        "tasks": [
            ("Планирование загрузки участка на смену", 60, ["Расчет трудоемкости работ", "Распределение работ по исполнителям", "Учет ресурсов и запасных частей"]),
            ("Контроль качества выполненного ремонта", 60, ["Выбор методов контроля", "Оценка результатов", "Оформление отчетной документации"]),
        ],
    },
]

# Documents every applicant attaches (Decree No. 1204); experience is
# mandatory from level 5 up in these example lists.
DOCUMENTS = [
    ("Копия документа, удостоверяющего личность", "Copy of the identity document", "Все страницы с отметками.", 0),
    ("Копия документа об образовании и (или) о квалификации", "Copy of the education or qualification document", "", 0),
    ("Документ, подтверждающий опыт практической работы", "Document proving practical work experience", "Трудовая книжка или сведения о трудовой деятельности.", 5),
    ("Копия СНИЛС", "Copy of the SNILS insurance certificate", "", 99),
]


def load(apps, schema_editor):
    Center = apps.get_model("standards", "AssessmentCenter")
    Standard = apps.get_model("standards", "ProfessionalStandard")
    Qualification = apps.get_model("standards", "Qualification")
    RequiredDocument = apps.get_model("standards", "RequiredDocument")
    Spec = apps.get_model("standards", "ExamSpecification")
    Task = apps.get_model("standards", "PracticalTask")
    Criterion = apps.get_model("standards", "PracticalCriterion")

    if not Center.objects.exists():
        Center.objects.create(**CENTER)
    standards = {}
    for data in STANDARDS:
        standards[data["code"]], _ = Standard.objects.get_or_create(code=data["code"], defaults=data)
    for data in QUALIFICATIONS:
        q, created = Qualification.objects.get_or_create(
            code=data["code"],
            defaults={
                "standard": standards[data["standard"]],
                "name": data["name"],
                "name_en": data["name_en"],
                "level": data["level"],
                "validity_years": 3,
                "activity_type": "Автомобилестроение",
                "council_approval": "Протокол СПК в автомобилестроении № 30 от 25.04.2020",
            },
        )
        if not created:
            continue
        for position, (name, name_en, description, mandatory_from_level) in enumerate(DOCUMENTS):
            RequiredDocument.objects.create(
                qualification=q,
                name=name,
                name_en=name_en,
                description=description,
                is_mandatory=q.level >= mandatory_from_level,
                position=position,
            )
        count, minutes, percent, rule = data["spec"]
        spec = Spec.objects.create(
            qualification=q,
            theory_question_count=count,
            theory_time_limit_minutes=minutes,
            theory_pass_percent=percent,
            practical_pass_rule=rule,
            practical_pass_percent=70,
            is_example=True,
        )
        for t_pos, (title, t_minutes, criteria) in enumerate(data["tasks"]):
            task = Task.objects.create(spec=spec, title=title, time_limit_minutes=t_minutes, position=t_pos)
            for c_pos, text in enumerate(criteria):
                Criterion.objects.create(task=task, text=text, max_score=2, position=c_pos)


def unload(apps, schema_editor):
    Qualification = apps.get_model("standards", "Qualification")
    Standard = apps.get_model("standards", "ProfessionalStandard")
    Center = apps.get_model("standards", "AssessmentCenter")
    Qualification.objects.filter(code__in=[q["code"] for q in QUALIFICATIONS]).delete()
    Standard.objects.filter(code__in=[s["code"] for s in STANDARDS], qualifications__isnull=True).delete()
    Center.objects.filter(register_number=CENTER["register_number"]).delete()


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
