from django.urls import path

from .views import candidate, files, staff

app_name = "candidates"

urlpatterns = [
    path("signup/", candidate.signup, name="signup"),
    path("signup/done/", candidate.signup_done, name="signup_done"),
    path("signup/confirm/<str:uidb64>/<str:token>/", candidate.signup_confirm, name="signup_confirm"),
    path("me/profile/", candidate.profile, name="profile"),
    path("me/applications/", candidate.dashboard, name="dashboard"),
    path("me/applications/new/", candidate.application_new, name="application_new"),
    path("me/applications/<int:pk>/", candidate.application_detail, name="application"),
    path("me/applications/<int:pk>/documents/", candidate.application_upload, name="application_upload"),
    path("me/applications/<int:pk>/contact/", candidate.application_contact, name="application_contact"),
    path("me/applications/<int:pk>/submit/", candidate.application_submit, name="application_submit"),
    path("me/applications/<int:pk>/resubmit/", candidate.application_resubmit, name="application_resubmit"),
    path("me/applications/<int:pk>/withdraw/", candidate.application_withdraw, name="application_withdraw"),
    path("me/applications/<int:pk>/delete/", candidate.application_delete, name="application_delete"),
    path("documents/<int:pk>/", files.document_file, name="document"),
    path("staff/applications/", staff.staff_queue, name="staff_queue"),
    path("staff/applications/<int:pk>/", staff.staff_application, name="staff_application"),
    path("staff/applications/<int:pk>/action/", staff.staff_application_action, name="staff_application_action"),
    path("staff/change-requests/", staff.staff_change_requests, name="staff_change_requests"),
    path("staff/change-requests/<int:pk>/", staff.staff_change_request, name="staff_change_request"),
    path(
        "staff/change-requests/<int:pk>/decide/", staff.staff_change_request_decide, name="staff_change_request_decide"
    ),
    path("staff/change-requests/<int:pk>/file/", staff.staff_change_request_file, name="staff_change_request_file"),
    path("staff/accounts/merge/", staff.staff_account_merge, name="staff_account_merge"),
    path("staff/calls/<int:pk>/done/", staff.staff_call_done, name="staff_call_done"),
]
