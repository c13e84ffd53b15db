"""resources of the training app (see STYLE.md: logic lives in services and selectors)."""
