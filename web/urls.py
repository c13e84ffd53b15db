from django.urls import path

from web import views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list, name="list"),
    path("<int:pk>/", views.pairing_detail, name="detail"),
    path("hospitals/", views.hospital_list, name="hospital_list"),
]
