from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("export/", views.export_now, name="export_now"),
    path("<int:pk>/mark/", views.batch_mark, name="mark"),
    path("<int:pk>/<str:kind>/", views.batch_file, name="file"),
]
