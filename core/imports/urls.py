from django.urls import path

from core.imports import views

app_name = "imports"
urlpatterns = [
    path("<slug:kind>/<int:target_id>/template.xlsx", views.template_download, name="template"),
    path("<slug:kind>/<int:target_id>/upload/", views.upload, name="upload"),
    path("uploads/<int:pk>/", views.preview, name="preview"),
    path("uploads/<int:pk>/errors.xlsx", views.errors, name="errors"),
]
