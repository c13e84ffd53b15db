"""services of the teams app (see STYLE.md: logic lives in services and selectors)."""
