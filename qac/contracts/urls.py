from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("staff/contracts/", views.contract_list, name="list"),
    path("staff/contracts/payers/", views.payer_list, name="payers"),
    path("staff/contracts/statement/", views.statement_import, name="statement"),
    path("staff/contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("staff/contracts/<int:pk>/action/", views.contract_action, name="action"),
    path("staff/contracts/<int:pk>/<str:kind>.pdf", views.staff_paper, name="paper"),
    path("my/payment/", views.my_contracts, name="mine"),
    path("my/payment/<int:pk>/<str:kind>.pdf", views.my_paper, name="my_paper"),
]
