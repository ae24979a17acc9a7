from django.urls import path

from terminals import api

urlpatterns = [
    path("terminals/", api.TerminalListApi.as_view(), name="api-terminal-list"),
    path("terminals/<int:pk>/", api.TerminalDetailApi.as_view(), name="api-terminal-detail"),
    path("allocations/", api.AllocationListApi.as_view(), name="api-allocation-list"),
    path("allocations/<int:pk>/", api.AllocationDetailApi.as_view(), name="api-allocation-detail"),
    path("spares/", api.SpareListApi.as_view(), name="api-spare-list"),
]
