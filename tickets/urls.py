from django.urls import path

from tickets import appeal_views, queue_views, views, work_views

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
    path("<int:pk>/move/", queue_views.ticket_move, name="ticket-move"),
    path("<int:pk>/assign/", queue_views.ticket_assign, name="ticket-assign"),
    path("bulk/", queue_views.ticket_bulk, name="ticket-bulk"),
    path("<int:pk>/backup/", queue_views.ticket_backup, name="ticket-backup"),
    path("dashboard/", queue_views.dashboard_page, name="ticket-dashboard"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    # Risk-freeze appeals (tickets.appeal_views).
    path("legal-routes/", appeal_views.legal_routes, name="legal-routes"),
    path("<int:pk>/appeal/open/", appeal_views.appeal_open, name="appeal-open"),
    path(
        "<int:pk>/appeal/materials/", appeal_views.appeal_material_add, name="appeal-material-add"
    ),
    path(
        "<int:pk>/appeal/explanation/", appeal_views.appeal_explanation, name="appeal-explanation"
    ),
    path("<int:pk>/appeal/submit/", appeal_views.appeal_submit, name="appeal-submit"),
    path("<int:pk>/appeal/decisions/", appeal_views.appeal_decide, name="appeal-decide"),
    path("<int:pk>/appeal/withdraw/", appeal_views.appeal_withdraw, name="appeal-withdraw"),
    path("<int:pk>/appeal/dossier/", appeal_views.appeal_dossier, name="appeal-dossier"),
    # Escalations and engineer visits (tickets.work_views).
    path("visits/", work_views.my_visits, name="my-visits"),
    path("visits/<int:pk>/", work_views.visit_update, name="visit-update"),
    path("<int:pk>/visits/", work_views.ticket_dispatch, name="ticket-dispatch"),
    path("<int:pk>/escalations/", work_views.ticket_escalate, name="ticket-escalate"),
    path("escalations/<int:pk>/", work_views.escalation_update, name="escalation-update"),
    path(
        "escalations/<int:pk>/evidence.txt",
        work_views.escalation_evidence,
        name="escalation-evidence",
    ),
]
