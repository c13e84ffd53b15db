"""Agreement pages, mounted at /agreements/ (config/urls.py)."""

from django.urls import path

from pairings.views import agreements as views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_overview, name="overview"),
    path("new/<int:pairing_pk>/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/items/", views.item_create, name="item_create"),
    path("items/<int:pk>/report/", views.item_report, name="item_report"),
]
