from django.urls import path

from . import views

app_name = "council"

urlpatterns = [
    path("", views.board, name="board"),
    path("sessions/<int:pk>/", views.session_page, name="session"),
    path("sessions/<int:pk>/package/", views.package_action, name="package_action"),
    path("sessions/<int:pk>/decision/", views.decision_action, name="decision_action"),
    path("packages/<int:pk>/file/", views.package_file, name="package_file"),
]
