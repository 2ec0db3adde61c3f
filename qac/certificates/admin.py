from django.contrib import admin

from qac.admin_util import ReadOnlyInline

from .models import DocumentEvent, DuplicateRequest, IssuedDocument


class EventInline(ReadOnlyInline):
    model = DocumentEvent
    readonly_fields = ["at", "by", "action", "reason", "data"]


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are issued, revoked and reissued through the staff pages, which record why."""

    list_display = [
        "kind",
        "variant",
        "number",
        "holder_last_name",
        "qualification",
        "issue_date",
        "valid_until",
        "number_source",
        "render_status",
        "revoked_on",
    ]
    list_filter = ["kind", "variant", "number_source", "render_status", "qualification", "is_current"]
    search_fields = ["number", "holder_last_name", "holder__email"]
    date_hierarchy = "issue_date"
    list_select_related = ["qualification"]
    readonly_fields = [f.name for f in IssuedDocument._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuplicateRequest)
class DuplicateRequestAdmin(admin.ModelAdmin):
    """Read-only: applications for duplicates are received and answered on the staff pages."""

    list_display = ["original", "grounds", "status", "received_on", "due_on"]
    list_filter = ["status", "grounds"]
    readonly_fields = [f.name for f in DuplicateRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
