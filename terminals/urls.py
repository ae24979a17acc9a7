from django.urls import path

from terminals import views

urlpatterns = [
    path("", views.terminal_index, name="terminal-list"),
    path("<int:pk>/", views.terminal_detail, name="terminal-detail"),
]
