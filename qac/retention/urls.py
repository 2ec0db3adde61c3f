from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("staff/retention/", views.acts, name="acts"),
    path("staff/retention/propose/", views.propose_now, name="propose"),
    path("staff/retention/acts/<int:pk>/", views.act_page, name="act"),
    path("staff/retention/acts/<int:pk>/decide/", views.act_action, name="act_action"),
    path("staff/retention/acts/<int:pk>/pdf/", views.act_pdf, name="act_pdf"),
    path("staff/retention/withdrawals/", views.staff_withdrawals, name="withdrawals"),
    path("me/consent/withdraw/", views.withdraw_consent, name="withdraw_consent"),
]
