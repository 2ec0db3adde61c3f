"""The question bank's staff pages, included under ``staff/bank/``."""

from django.urls import path

from . import views as bank_views

app_name = "exams_bank"

urlpatterns = [
    path("", bank_views.index, name="index"),
    path("<int:pk>/", bank_views.questions, name="questions"),
    path("<int:pk>/export/<str:fmt>/", bank_views.export, name="export"),
    path("<int:pk>/import/", bank_views.import_file, name="import"),
]
