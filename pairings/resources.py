"""resources of the pairings app (see STYLE.md: logic lives in services and selectors)."""
