from django.urls import path

from tickets import views

urlpatterns = [
    path("", views.ticket_index, name="ticket-list"),
    path("report/", views.report_begin, name="report-begin"),
    path("report/<int:pk>/fixed/", views.report_fixed, name="report-fixed"),
    path("report/<int:pk>/done/", views.report_deflected, name="report-deflected"),
    path("report/<int:pk>/<slug:step>/", views.report_step, name="report-step"),
    path("<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("<int:pk>/comments/", views.ticket_comment, name="ticket-comment"),
    path("<int:pk>/attachments/", views.ticket_attach, name="ticket-attach"),
    path("<int:pk>/triage/", views.ticket_override, name="ticket-override"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]
