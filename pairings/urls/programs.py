from django.urls import path

from pairings.views import programs as views

app_name = "programs"

urlpatterns = [
    path("", views.program_list_view, name="list"),
    path("new/", views.program_create_view, name="create"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/parameters/", views.program_params, name="params"),
    path("<int:pk>/<slug:action>/", views.program_action, name="action"),
]
