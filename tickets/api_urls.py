from django.urls import path

from tickets import api, appeal_api, webhook_api, work_api

urlpatterns = [
    path("tickets/", api.TicketListApi.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path("tickets/bulk/", api.BulkApi.as_view(), name="api-ticket-bulk"),
    path(
        "tickets/<int:pk>/transitions/", api.TransitionApi.as_view(), name="api-ticket-transitions"
    ),
    path("tickets/<int:pk>/assignment/", api.AssignmentApi.as_view(), name="api-ticket-assignment"),
    path("tickets/<int:pk>/backup/", api.BackupApi.as_view(), name="api-ticket-backup"),
    path("tickets/<int:pk>/comments/", api.CommentApi.as_view(), name="api-ticket-comments"),
    path(
        "tickets/<int:pk>/attachments/", api.AttachmentApi.as_view(), name="api-ticket-attachments"
    ),
    path(
        "attachments/<int:pk>/download/",
        api.AttachmentDownloadApi.as_view(),
        name="api-attachment-download",
    ),
    # Risk-freeze appeals (tickets.appeal_api).
    path("tickets/<int:pk>/appeal/", appeal_api.AppealApi.as_view(), name="api-ticket-appeal"),
    path(
        "tickets/<int:pk>/appeal/decisions/",
        appeal_api.AppealDecisionApi.as_view(),
        name="api-ticket-appeal-decisions",
    ),
    # Escalations and engineer visits (tickets.work_api).
    path(
        "tickets/<int:pk>/escalations/",
        work_api.TicketEscalationsApi.as_view(),
        name="api-ticket-escalations",
    ),
    path("escalations/<int:pk>/", work_api.EscalationDetailApi.as_view(), name="api-escalation"),
    path(
        "escalations/<int:pk>/transitions/",
        work_api.EscalationTransitionApi.as_view(),
        name="api-escalation-transitions",
    ),
    path("tickets/<int:pk>/visits/", work_api.TicketVisitsApi.as_view(), name="api-ticket-visits"),
    path(
        "visits/<int:pk>/transitions/",
        work_api.VisitTransitionApi.as_view(),
        name="api-visit-transitions",
    ),
    path(
        "webhooks/escalations/<slug:provider>/",
        webhook_api.EscalationWebhookApi.as_view(),
        name="api-webhook-escalations",
    ),
]
