from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from standards import views as standards_views

from . import health, views
from .accounts import views as account_views

admin.site.site_header = _("QAC «Autoprom North-West» — administration")
admin.site.site_title = _("QAC administration")
admin.site.index_title = _("Data management")
# Django's admin puts a model's name in the nominative after a verb («Выберите пользователь для изменения»,
# «Добавить пользователь»). Our catalogue, which wins over Django's, words these titles so that any name
# reads right; they are listed here so that makemessages keeps them.
ADMIN_TITLES = [
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
]

auth_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", account_views.two_factor_manage, name="two_factor_manage"),
    path("two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", account_views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/reset/", account_views.two_factor_reset, name="two_factor_reset"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/figures.csv", views.figures_csv, name="figures_csv"),
    path("qualifications/", include("standards.urls")),
    path("about/", standards_views.about, name="about"),
    path("about/application-sample.pdf", views.application_sample, name="application_sample"),
    path("schedule/", views.schedule, name="schedule"),
    path("accounts/", include(auth_patterns)),
    path("", include("candidates.urls")),
    path("", include("qac.contracts.urls")),
    path("", include("qac.exams.urls")),
    path("staff/bank/", include("qac.exams.bank.urls")),
    path("staff/council/", include("qac.council.urls")),
    path("", include("qac.certificates.urls")),
    path("", include("qac.appeals.urls")),
    path("staff/registry/", include("qac.registry.urls")),
    path("", include("qac.retention.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(settings.QAC_ADMIN_URL, admin.site.urls),
]
