from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("signup/confirm/<str:uidb64>/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("me/profile/", views.profile, name="profile"),
    path("me/applications/", views.dashboard, name="dashboard"),
    path("me/applications/new/", views.application_new, name="application_new"),
    path("me/applications/<int:pk>/", views.application_detail, name="application"),
    path("me/applications/<int:pk>/documents/", views.application_upload, name="application_upload"),
    path("me/applications/<int:pk>/contact/", views.application_contact, name="application_contact"),
    path("me/applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("me/applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"),
    path("me/applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("me/applications/<int:pk>/delete/", views.application_delete, name="application_delete"),
    path("documents/<int:pk>/", views.document_file, name="document"),
    path("staff/applications/", views.staff_queue, name="staff_queue"),
    path("staff/applications/<int:pk>/", views.staff_application, name="staff_application"),
    path("staff/applications/<int:pk>/action/", views.staff_application_action, name="staff_application_action"),
    path("staff/change-requests/", views.staff_change_requests, name="staff_change_requests"),
    path("staff/change-requests/<int:pk>/", views.staff_change_request, name="staff_change_request"),
    path(
        "staff/change-requests/<int:pk>/decide/", views.staff_change_request_decide, name="staff_change_request_decide"
    ),
    path("staff/change-requests/<int:pk>/file/", views.staff_change_request_file, name="staff_change_request_file"),
    path("staff/accounts/merge/", views.staff_account_merge, name="staff_account_merge"),
    path("staff/calls/<int:pk>/done/", views.staff_call_done, name="staff_call_done"),
]
