from django.urls import path

from tickets import api

urlpatterns = [
    path("tickets/", api.TicketListApi.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path("tickets/<int:pk>/comments/", api.CommentApi.as_view(), name="api-ticket-comments"),
    path(
        "tickets/<int:pk>/attachments/", api.AttachmentApi.as_view(), name="api-ticket-attachments"
    ),
    path(
        "attachments/<int:pk>/download/",
        api.AttachmentDownloadApi.as_view(),
        name="api-attachment-download",
    ),
]
