from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("hosted/", views.hosted_list, name="hosted_list"),
    path("hosted/<int:pk>/", views.stint_record, name="stint_record"),
    path("hosted/<int:pk>/<slug:action>/", views.stint_decide, name="stint_decide"),
]
