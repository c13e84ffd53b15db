"""API serializers (thin: logic lives in services/selectors)."""
