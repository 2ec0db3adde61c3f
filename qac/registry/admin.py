from django.contrib import admin

from qac.admin_util import ReadOnlyInline

from .models import BatchTransition, ExportBatch, ExportRecord


class HistoryInline(ReadOnlyInline):
    model = BatchTransition
    readonly_fields = ["at", "by", "from_status", "to_status", "note"]


@admin.register(ExportBatch)
class ExportBatchAdmin(admin.ModelAdmin):
    """Read-only: batches are made by the export and marked on the staff page."""

    inlines = [HistoryInline]
    list_display = ["pk", "created_at", "trigger", "status", "submitted_at", "acknowledged_at"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ["batch", "record_type", "document"]
    list_filter = ["record_type"]
    search_fields = ["document__number", "document__holder_last_name"]
    list_select_related = ["batch", "document"]
    readonly_fields = ["batch", "record_type", "document"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
