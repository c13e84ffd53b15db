"""API viewsets; every queryset goes through for_user."""
