from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    AssessmentCenter,
    ExamSpecification,
    Fee,
    PracticalCriterion,
    PracticalTask,
    ProfessionalStandard,
    PublicPage,
    Qualification,
    RequiredDocument,
)


class ExampleFieldsWarning:
    """Warns each time a row is opened while fields of it still hold the values shipped as examples
    (listed in its ``example_fields``); ``example_warning`` says where they show, with ``%(fields)s``."""

    example_warning = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and obj.example_fields:
                fields = ", ".join(_field_label(name) for name in obj.example_fields.split(",") if name.strip())
                messages.warning(request, str(self.example_warning) % {"fields": fields})
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(AssessmentCenter)
class AssessmentCenterAdmin(ExampleFieldsWarning, admin.ModelAdmin):
    # The examples shipped with the system are published: say so each time the row is opened.
    example_warning = _(
        "These fields hold example values, shown on the public pages: %(fields)s. "
        "Replace them with the center's own, then clear the list of example values."
    )
    list_display = ["name", "register_number", "city", "council_name", "empowerment_minutes", "empowerment_date"]
    search_fields = ["name", "name_en", "register_number", "city"]
    # A website typed without a scheme is taken as https (the Django 6 default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "name_en",
                    "register_number",
                    "city",
                    "legal_address",
                    "operating_since",
                    "head_name",
                    "signer_name",
                    "signer_is_deputy",
                )
            },
        ),
        (
            _("The Council"),
            {
                "fields": (
                    "council_name",
                    "council_address",
                    "council_email",
                    "council_website",
                    "empowerment_minutes",
                    "empowerment_date",
                )
            },
        ),
        (
            _("Public information (the About page and the footer)"),
            {
                "fields": (
                    "address",
                    "phone",
                    "email",
                    "website",
                    "opening_hours",
                    "exam_venues",
                    "register_url",
                    "appeals_address",
                    "appeals_email",
                    "appeals_phone",
                    "example_fields",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        # One center per installation: the row comes with the system.
        return not AssessmentCenter.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicPage)
class PublicPageAdmin(admin.ModelAdmin):
    """Sections of /about/: the exam rules, the appeals procedure; the head's to keep (qac/accounts/roles.py)."""

    list_display = ["title", "kind", "position", "is_published", "is_example"]
    list_filter = ["kind", "is_published", "is_example"]
    list_editable = ["position", "is_published"]
    search_fields = ["title", "body"]


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    """Exam prices from a date on: a new price is a new row, so the page shows the old one until its date."""

    list_display = ["qualification", "amount", "valid_from", "note", "is_example"]
    list_filter = ["qualification", "is_example"]
    search_fields = ["qualification__code", "qualification__name", "note"]
    list_select_related = ["qualification"]
    date_hierarchy = "valid_from"


class QualificationInline(admin.TabularInline):
    model = Qualification
    fields = ["code", "name", "level", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(ProfessionalStandard)
class ProfessionalStandardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "activity_area"]
    search_fields = ["code", "name", "name_en"]
    list_filter = ["activity_area"]
    inlines = [QualificationInline]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    fields = ["position", "name", "name_en", "description", "is_mandatory"]
    extra = 0


def _field_label(name: str) -> str:
    """A field's label for the example warning: a qualification's field, or the center's (its legal address)."""
    name = name.strip()
    for model in (Qualification, AssessmentCenter):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


@admin.register(Qualification)
class QualificationAdmin(ExampleFieldsWarning, admin.ModelAdmin):
    # Values shipped as examples are printed on certificates: say so each time the card is opened.
    example_warning = _(
        "These fields hold example values, printed on certificates: %(fields)s. "
        "Check them against the register card, then clear the list of example values."
    )
    list_display = ["code", "name", "level", "standard", "validity_years", "is_active"]
    list_filter = ["is_active", "level", "standard"]
    search_fields = ["code", "name", "name_en", "standard__code"]
    list_select_related = ["standard"]
    inlines = [RequiredDocumentInline]

    fieldsets = (
        (None, {"fields": ("standard", "code", "name", "name_en", "level", "is_active", "validity_years")}),
        (
            _("Register card"),
            {
                "fields": (
                    "activity_type",
                    "council_approval",
                    "nark_order",
                    "labour_functions",
                    "legal_requirement",
                    "additional_characteristics",
                    "example_fields",
                    "education_requirements",
                    "experience_requirements",
                    "special_conditions",
                    "reference_codes",
                )
            },
        ),
    )


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "qualification", "is_mandatory", "position"]
    list_filter = ["is_mandatory", "qualification"]
    search_fields = ["name", "name_en", "qualification__code"]
    list_select_related = ["qualification"]


class PracticalTaskInline(admin.StackedInline):
    model = PracticalTask
    fields = ["position", "title", "description", "time_limit_minutes"]
    extra = 0
    show_change_link = True


@admin.register(ExamSpecification)
class ExamSpecificationAdmin(admin.ModelAdmin):
    list_display = [
        "qualification",
        "theory_question_count",
        "theory_time_limit_minutes",
        "theory_pass_percent",
        "practical_pass_rule",
        "is_example",
        "approval_number",
        "approval_date",
        "bank_approval_number",
        "bank_approval_date",
    ]
    list_filter = ["is_example", "practical_pass_rule", "practical_requires_theory"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "qualification",
                    "theory_question_count",
                    "theory_time_limit_minutes",
                    "theory_pass_percent",
                    "practical_pass_rule",
                    "practical_pass_percent",
                    "practical_requires_theory",
                    "is_example",
                )
            },
        ),
        (
            _("Council's approval (Order 601n)"),
            {"fields": ("approval_number", "approval_date", "bank_approval_number", "bank_approval_date")},
        ),
    )
    search_fields = ["qualification__code", "qualification__name"]
    list_select_related = ["qualification"]
    inlines = [PracticalTaskInline]


class PracticalCriterionInline(admin.TabularInline):
    model = PracticalCriterion
    fields = ["position", "text", "max_score"]
    extra = 0


@admin.register(PracticalTask)
class PracticalTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "spec", "time_limit_minutes", "position"]
    list_filter = ["spec__qualification"]
    search_fields = ["title", "description", "spec__qualification__code"]
    list_select_related = ["spec__qualification"]
    inlines = [PracticalCriterionInline]


@admin.register(PracticalCriterion)
class PracticalCriterionAdmin(admin.ModelAdmin):
    list_display = ["text", "task", "max_score"]
    list_filter = ["task__spec__qualification"]
    search_fields = ["text", "task__title"]
    list_select_related = ["task"]
