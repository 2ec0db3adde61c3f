from django.urls import path, register_converter

from . import views
from .converters import QualificationCodeConverter

register_converter(QualificationCodeConverter, "qcode")

app_name = "standards"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<qcode:code>/", views.qualification_detail, name="qualification"),
]
