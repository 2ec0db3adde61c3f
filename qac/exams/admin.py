from django.contrib import admin

from qac.admin_util import ReadOnlyInline

from .models import (
    Choice,
    CommissionMember,
    Enrolment,
    ExamResult,
    ExamSession,
    PracticalScore,
    Question,
    ResultCorrection,
    SessionEvent,
    TheoryAttempt,
)


class CommissionInline(admin.TabularInline):
    model = CommissionMember
    extra = 0
    raw_id_fields = ["expert"]


class EventInline(ReadOnlyInline):
    model = SessionEvent
    readonly_fields = ["at", "by", "from_status", "to_status", "note"]


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    """Read-mostly: sessions move through the staff pages, which keep the history and the rules."""

    list_display = ["qualification", "starts_at", "ends_at", "venue_address", "capacity", "status"]
    list_filter = ["status", "qualification"]
    search_fields = ["venue_address", "venue_room", "qualification__code"]
    date_hierarchy = "starts_at"
    list_select_related = ["qualification"]
    readonly_fields = [
        "status",
        "version",
        "created_by",
        "approved_at",
        "approved_by",
        "protocol",
        "protocol_sha256",
        "protocol_error",
    ]
    inlines = [CommissionInline, EventInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["application", "session", "status", "present", "enrolled_at"]
    list_filter = ["status", "present", "session__qualification"]
    search_fields = ["application__number", "application__candidate__last_name", "application__candidate__email"]
    list_select_related = ["application", "session__qualification"]
    readonly_fields = ["session", "application", "status", "present", "enrolled_at", "enrolled_by"]

    def has_add_permission(self, request):
        return False


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["external_id", "qualification", "topic", "kind", "weight", "is_active", "is_demo"]
    list_filter = ["qualification", "kind", "is_active", "is_demo", "topic"]
    search_fields = ["external_id", "text", "topic"]
    list_select_related = ["qualification"]
    inlines = [ChoiceInline]


@admin.register(TheoryAttempt)
class TheoryAttemptAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "started_at", "deadline_at", "submitted_at", "auto_submitted", "score", "max_score"]
    list_filter = ["auto_submitted"]
    search_fields = ["enrolment__application__number", "enrolment__application__candidate__last_name"]
    readonly_fields = [f.name for f in TheoryAttempt._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PracticalScore)
class PracticalScoreAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "expert", "criterion", "score", "updated_at"]
    list_filter = ["enrolment__session"]
    search_fields = ["enrolment__application__number", "expert__last_name"]
    readonly_fields = ["enrolment", "expert", "criterion", "score", "comment", "updated_at"]

    def has_add_permission(self, request):
        return False


class CorrectionInline(ReadOnlyInline):
    model = ResultCorrection
    readonly_fields = ["at", "by", "reason", "before", "after"]


@admin.register(ExamResult)
class ExamResultAdmin(admin.ModelAdmin):
    """Results change through the commission's pages (approval locks them; corrections keep a record)."""

    list_display = ["enrolment", "theory_percent", "practical_percent", "decision"]
    list_filter = ["decision", "enrolment__session__qualification"]
    search_fields = ["enrolment__application__number", "enrolment__application__candidate__last_name"]
    readonly_fields = [f.name for f in ExamResult._meta.fields]
    inlines = [CorrectionInline]

    def has_add_permission(self, request):
        return False
