"""User management in the admin, for the QAC head.

Nobody becomes a superuser or a head through the site: the form has no
superuser, group or permission fields, roles are changed through a ``roles``
field offering only what the acting person may grant, and every change goes
through ``services.role_grant`` / ``role_revoke``, which record it. The head
cannot open superusers or other heads, nor change their own access.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qac.admin_util import ReadOnlyInline

from . import services
from .models import RoleChange, User
from .roles import ROLE_LABELS, Role, user_roles

# Fields that no form on the site changes. Posting them is an attempt, not a
# mistake, so the form refuses the whole request rather than ignoring them.
_NEVER_POSTED = ("is_superuser", "groups", "user_permissions", "is_staff")
# ... and what nobody changes about themselves: a head who could would lock
# themselves out or, worse, be the only one to decide their own rights.
_NEVER_POSTED_FOR_ONESELF = ("is_active", "roles")


class _RefusesEscalation:
    """Refuse a request that posts a field no page here offers (see ``_NEVER_POSTED``)."""

    #: The person using the form; ``UserAdmin.get_form`` sets it on a subclass per request.
    actor: User | None = None

    def clean(self):
        cleaned = super().clean()
        never = list(_NEVER_POSTED)
        if self.actor is not None and self.instance.pk and self.instance.pk == self.actor.pk:
            never += _NEVER_POSTED_FOR_ONESELF
        if any(name in self.data for name in never):
            raise ValidationError(
                _("Superuser status, groups, permissions and your own access are not changed on this page."),
                code="forbidden_field",
            )
        return cleaned


class UserAddForm(_RefusesEscalation, AdminUserCreationForm):
    """E-mail and password only; roles are given on the change page that follows."""


class UserRolesForm(_RefusesEscalation, UserChangeForm):
    """The change form, with the roles as one field limited to those the acting person may grant."""

    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is None or self.instance.pk == self.actor.pk:
            # A declared field is in every form the admin builds; nobody edits their own roles.
            self.fields.pop("roles", None)
        if "roles" in self.fields:
            grantable = services.roles_grantable_by(self.actor)
            self.fields["roles"].choices = [(r.value, ROLE_LABELS[r]) for r in grantable]
            self.fields["roles"].initial = [r.value for r in grantable if r in user_roles(self.instance)]
            self.fields["roles"].help_text = _(
                "The head role is given only by an operator on the server (manage.py set_role)."
            )


class RoleChangeInline(ReadOnlyInline):
    model = RoleChange
    fk_name = "user"
    fields = ["at", "role_label", "action", "by", "source"]
    readonly_fields = fields
    verbose_name_plural = _("role history")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    add_form = UserAddForm
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "last_name", "first_name", "patronymic", "role_list", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "last_name", "first_name", "patronymic"]
    filter_horizontal = ()
    inlines = [RoleChangeInline]
    # The static layout, for the admin's checks; get_fieldsets adapts it to who edits whom.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "patronymic")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "roles")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # --- who may do what here -------------------------------------------------
    def _allowed(self, request, obj=None) -> bool:
        return services.manages_users(request.user) and (
            obj is None or services.user_in_reach(actor=request.user, user=obj)
        )

    def has_module_permission(self, request):
        return self._allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.pk == request.user.pk:
            return False
        return self._allowed(request, obj) and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request).prefetch_related("groups")
        if request.user.is_superuser:
            return qs
        # Out of reach is out of the list too: superusers and the other heads.
        other_heads = User.objects.filter(groups__name=Role.HEAD.value).exclude(pk=request.user.pk)
        return qs.exclude(is_superuser=True).exclude(pk__in=other_heads.values("pk"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and from_field is None:
            # Not missing but out of reach: refuse plainly instead of "perhaps it was deleted".
            try:
                exists = User.objects.filter(pk=int(object_id)).exists()
            except (TypeError, ValueError):
                exists = False
            if exists:
                raise PermissionDenied
        return obj

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        # One account at a time, through the checks of delete_view.
        actions.pop("delete_selected", None)
        return actions

    # --- the form ---------------------------------------------------------------
    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        access = ("is_active", "is_staff", "role_list" if obj.pk == request.user.pk else "roles")
        return (
            (None, {"fields": ("email", "password")}),
            (_("Personal info"), {"fields": ("last_name", "first_name", "patronymic")}),
            (_("Access"), {"fields": access}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        # is_staff only opens the admin and follows the staff roles (services._sync_is_staff).
        readonly = ["is_staff", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["is_active", "role_list"]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" not in form.fields:
            return
        user, wanted = form.instance, set(form.cleaned_data.get("roles") or ())
        held = user_roles(user)
        try:
            for role in services.roles_grantable_by(request.user):
                if role.value in wanted and role not in held:
                    services.role_grant(user=user, role=role, by=request.user, source=RoleChange.Source.ADMIN)
                elif role.value not in wanted and role in held:
                    services.role_revoke(user=user, role=role, by=request.user, source=RoleChange.Source.ADMIN)
        except services.RoleChangeRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.display(description=_("Roles"))
    def role_list(self, obj):
        names = {g.name for g in obj.groups.all()}
        return ", ".join(str(ROLE_LABELS[r]) for r in Role if r.value in names) or "—"

    # --- deletion -------------------------------------------------------------
    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            kinds = services.user_protected_records(obj)
            if kinds:
                self.message_user(
                    request,
                    gettext(
                        "%(user)s cannot be deleted: the account is referred to by %(kinds)s. Deactivate it instead."
                    )
                    % {"user": obj, "kinds": ", ".join(kinds)},
                    messages.ERROR,
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.user_delete(user=obj, by=request.user)


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The record of role changes: read by the head, written only by the services."""

    list_display = ["at", "user", "role_label", "action", "by", "source"]
    list_filter = ["action", "source", "role"]
    search_fields = ["user__email", "user__last_name", "by__email"]
    list_select_related = ["user", "by"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return services.manages_users(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return services.manages_users(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Read-only: the role groups are defined in roles.py and re-synchronised after every migrate."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
