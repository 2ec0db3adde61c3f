from django.contrib import admin

from .models import BankDetails, BankStatement, Contract, Payer, Payment


@admin.register(BankDetails)
class BankDetailsAdmin(admin.ModelAdmin):
    """The center's bank details printed on contracts and invoices: the head keeps them (qac/accounts/roles.py)."""

    list_display = ["bank_name", "account", "inn", "kpp"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BankDetails.objects.exists()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read in the admin; written only through the contract pages, which keep the rules and the history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payer)
class PayerAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "inn", "kpp", "email"]
    search_fields = ["name", "inn"]
    list_filter = ["kind"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "payer", "amount", "status"]
    list_filter = ["status"]
    search_fields = ["number", "payer__name", "payer__inn"]
    list_select_related = ["payer"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["contract", "paid_on", "amount", "document_number", "statement"]
    list_select_related = ["contract", "statement"]


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "imported_at", "imported_by", "payments_recorded"]
