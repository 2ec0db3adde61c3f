from django.contrib import admin

from .models import DocumentEvent, IssuedDocument, NumberCounter


class EventInline(admin.TabularInline):
    model = DocumentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "by", "action", "reason", "data"]

    def has_add_permission(self, request, obj=None):
        return False


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
        "render_status",
        "revoked_on",
    ]
    list_filter = ["kind", "variant", "render_status", "qualification", "is_current"]
    search_fields = ["number", "holder_last_name", "holder__email"]
    date_hierarchy = "issue_date"
    list_select_related = ["qualification"]
    readonly_fields = [f.name for f in IssuedDocument._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberCounter)
class NumberCounterAdmin(admin.ModelAdmin):
    list_display = ["series", "last_value"]
    search_fields = ["series"]
    readonly_fields = ["series", "last_value"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
