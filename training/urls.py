from django.urls import path

from training import recipient_views, views

app_name = "training"
urlpatterns = [
    path("", recipient_views.training_home, name="training_home"),
    path("pairings/<int:pk>/", recipient_views.pairing_training, name="pairing_training"),
    path("nominations/<int:pk>/", recipient_views.nomination_edit, name="nomination_edit"),
    path("onsite/<int:pk>/", recipient_views.session_edit, name="session_edit"),
    path("remote/<int:pk>/", recipient_views.remote_edit, name="remote_edit"),
    path("hosted/", views.hosted_list, name="hosted_list"),
    path("hosted/<int:pk>/", views.stint_record, name="stint_record"),
    path("hosted/<int:pk>/<slug:action>/", views.stint_decide, name="stint_decide"),
]
