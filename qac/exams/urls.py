from django.urls import path

from . import offer_views, views

app_name = "exams"

urlpatterns = [
    path("staff/exams/", views.session_list, name="sessions"),
    path("staff/exams/new/", views.session_new, name="session_new"),
    path("staff/exams/<int:pk>/", views.session_detail, name="session"),
    path("staff/exams/<int:pk>/action/", views.session_action, name="session_action"),
    path("staff/exams/<int:pk>/reschedule/", views.session_reschedule, name="session_reschedule"),
    path("staff/exams/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("staff/exams/<int:pk>/monitor/", views.session_monitor, name="session_monitor"),
    path("staff/exams/<int:pk>/monitor.json", views.session_monitor_data, name="session_monitor_data"),
    path("staff/exams/enrolments/<int:pk>/", views.enrolment_action, name="enrolment_action"),
    path("exams/<int:pk>/protocol.pdf", views.protocol_download, name="protocol"),
    path("expert/sessions/", views.expert_sessions, name="expert_sessions"),
    path("expert/sessions/<int:pk>/", views.expert_session, name="expert_session"),
    path("expert/sessions/<int:pk>/approve/", views.expert_approve, name="expert_approve"),
    path("expert/enrolments/<int:pk>/score/", views.expert_score, name="expert_score"),
    path("expert/results/<int:pk>/correct/", views.expert_correct, name="expert_correct"),
    path("me/exams/<int:pk>/", views.my_exam, name="my_exam"),
    # Agreeing the exam date: under the application's own addresses (offer_views.py says why here).
    path("me/applications/<int:pk>/exam-date/", offer_views.my_date_offer, name="my_date_offer"),
    path("me/exam-date/<int:pk>/answer/", offer_views.my_date_offer_answer, name="my_date_offer_answer"),
    path("staff/applications/<int:pk>/exam-date/", offer_views.staff_date_offer, name="staff_date_offer"),
    path("staff/exam-date/<int:pk>/action/", offer_views.staff_date_offer_action, name="staff_date_offer_action"),
    path("me/exams/<int:pk>/theory/", views.theory_start, name="theory_start"),
    path("me/theory/<int:pk>/", views.theory, name="theory"),
    path("me/theory/<int:pk>/answer/", views.theory_answer, name="theory_answer"),
    path("me/theory/<int:pk>/submit/", views.theory_submit, name="theory_submit"),
]
