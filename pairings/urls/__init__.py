"""The registry's pages: programs (/programs/) and agreements (/agreements/), mounted in config/urls.py."""
