"""resources of the assessments app (see STYLE.md: logic lives in services and selectors)."""
