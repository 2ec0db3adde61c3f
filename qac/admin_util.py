"""What the apps' admin modules share."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Rows the services write (history, uploaded files), listed under their record: never added
    or deleted in the admin. A subclass names its ``model`` and its ``readonly_fields``."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False
