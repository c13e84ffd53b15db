from django.urls import path

from . import views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list, name="list"),
]
