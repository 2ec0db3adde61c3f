from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/s/<str:token>/", views.verify_signed, name="verify_signed"),
    path("documents/issued/<int:pk>/file/", views.document_file, name="file"),
    path("staff/documents/", views.document_list, name="list"),
    path("staff/documents/<int:pk>/", views.document_detail, name="document"),
    path("staff/documents/<int:pk>/action/", views.document_action, name="action"),
    path("staff/documents/duplicates/<int:pk>/", views.duplicate_request_action, name="duplicate_request"),
    path("staff/documents/duplicates/<int:pk>/file/", views.duplicate_request_file, name="duplicate_file"),
    path("staff/documents/sessions/<int:pk>/", views.session_documents, name="session"),
    path("staff/documents/sessions/<int:pk>/progress/", views.session_progress, name="progress"),
    path("staff/documents/sessions/<int:pk>/issue/", views.session_issue, name="session_issue"),
    path("staff/documents/sessions/<int:pk>/documents.zip", views.session_zip, name="session_zip"),
]
