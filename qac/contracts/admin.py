"""Contracts in the admin: staff and the head hold view permissions only (qac/accounts/roles.py), so these
are read there and changed through the contract pages, which keep the rules and the history."""

from django.contrib import admin

from .models import BankDetails, BankStatement, Contract, Payer, Payment


@admin.register(BankDetails)
class BankDetailsAdmin(admin.ModelAdmin):
    """The center's bank details printed on contracts and invoices: the head keeps them (qac/accounts/roles.py)."""

    list_display = ["bank_name", "account", "inn", "kpp"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BankDetails.objects.exists()


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "inn", "kpp", "email"]
    search_fields = ["name", "inn"]
    list_filter = ["kind"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "date", "payer", "amount", "status"]
    list_filter = ["status"]
    search_fields = ["number", "payer__name", "payer__inn"]
    list_select_related = ["payer"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["contract", "paid_on", "amount", "document_number", "statement"]
    list_select_related = ["contract", "statement"]


@admin.register(BankStatement)
class BankStatementAdmin(admin.ModelAdmin):
    list_display = ["file_name", "imported_at", "imported_by", "payments_recorded"]
