from django.urls import path

from terminals import api

urlpatterns = [
    path("terminals/", api.TerminalListApi.as_view(), name="api-terminal-list"),
    path("terminals/<int:pk>/", api.TerminalDetailApi.as_view(), name="api-terminal-detail"),
]
