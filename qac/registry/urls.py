from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("export/", views.export_now, name="export_now"),
    path("answers/", views.answer_upload, name="answer_upload"),
    path("answers/<int:pk>/file/", views.answer_file, name="answer_file"),
    path("enter-number/", views.enter_number, name="enter_number"),
    path("<int:pk>/mark/", views.batch_mark, name="mark"),
    path("<int:pk>/<str:kind>/", views.batch_file, name="file"),
]
