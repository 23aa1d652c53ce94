"""Authentication backend that refuses the demo password under production settings."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class CaseflowModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.REFUSE_DEMO_PASSWORDS and password == settings.DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
