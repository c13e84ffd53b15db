"""Views of the teams app (thin; scoped through for_user)."""
