from django.contrib import admin

from qac.admin_util import ReadOnlyInline

from .models import (
    Application,
    ApplicationDocument,
    ApplicationTransition,
    CandidateProfile,
    EducationRecord,
    PersonalDataAccess,
    WorkExperience,
)


class EducationInline(admin.TabularInline):
    model = EducationRecord
    extra = 0


class ExperienceInline(admin.TabularInline):
    model = WorkExperience
    extra = 0


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "date_of_birth", "snils_masked", "phone", "updated_at"]
    search_fields = ["user__email", "user__last_name", "user__first_name", "snils"]
    list_filter = ["id_doc_type"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [EducationInline, ExperienceInline]


class TransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ["at", "from_status", "to_status", "by", "note", "notified_at"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["required_document", "original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the review pages, which keep the history."""

    list_display = ["number", "candidate", "qualification", "status", "submitted_at", "review_due_on"]
    list_filter = ["status", "qualification", "submitted_at"]
    search_fields = ["number", "candidate__email", "candidate__last_name", "candidate__candidate_profile__snils"]
    list_select_related = ["candidate", "qualification"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "number",
        "candidate",
        "qualification",
        "status",
        "version",
        "created_at",
        "submitted_at",
        "review_due_on",
        "decided_at",
        "staff_message",
        "rejection_reason",
        "consent_text_version",
        "consent_given_at",
        "consent_ip",
        "rules_accepted_at",
    ]
    inlines = [DocumentInline, TransitionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "viewer", "candidate", "what", "application"]
    list_filter = ["what", "at"]
    search_fields = ["viewer__email", "candidate__email", "application__number"]
    list_select_related = ["viewer", "candidate", "application"]
    readonly_fields = ["at", "viewer", "candidate", "what", "application", "document"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
