from django.urls import path

from terminals import views

urlpatterns = [
    path("", views.terminal_index, name="terminal-list"),
    path("<int:pk>/", views.terminal_detail, name="terminal-detail"),
    path("<int:pk>/test/", views.spare_test, name="spare-test"),
    path("<int:pk>/firmware/", views.spare_firmware, name="spare-firmware"),
    path("pool/", views.pool_index, name="pool"),
    path("pool/bulk/", views.pool_bulk, name="pool-bulk"),
    path("pool/import/", views.pool_import, name="pool-import"),
    path("pool/import/confirm/", views.pool_import_confirm, name="pool-import-confirm"),
    path("allocations/", views.allocation_index, name="allocation-list"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation-detail"),
    path(
        "allocations/<int:pk>/<slug:action>/",
        views.allocation_action,
        name="allocation-action",
    ),
]
