"""Views of the training app (thin; scoped through for_user)."""
