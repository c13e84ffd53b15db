from django.urls import path

from pairings.views.pairing_edit import pairing_edit
from web import views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list, name="list"),
    path("<int:pk>/", views.pairing_detail, name="detail"),
    path("<int:pk>/edit/", pairing_edit, name="edit"),
    path("hospitals/", views.hospital_list, name="hospital_list"),
]
