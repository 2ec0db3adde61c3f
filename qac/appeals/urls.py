from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("me/applications/<int:pk>/appeal/", views.appeal_new, name="new"),
    path("me/appeals/<int:pk>/withdraw/", views.appeal_withdraw, name="withdraw"),
    path("appeals/files/<int:pk>/", views.appeal_file, name="file"),
    path("staff/appeals/", views.staff_list, name="staff_list"),
    path("staff/appeals/paper/<int:pk>/", views.staff_new, name="staff_new"),
    path("staff/appeals/<int:pk>/", views.staff_appeal, name="staff_appeal"),
    path("staff/appeals/<int:pk>/<str:action>/", views.staff_action, name="staff_action"),
    path("staff/corrections/", views.corrections, name="corrections"),
]
