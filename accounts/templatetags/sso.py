"""{% sso_sign_in %}: the "Sign in with <provider>" link on the sign-in page, when SSO is on."""

from django import template
from django.conf import settings

from accounts.sso import provider_name

register = template.Library()


@register.inclusion_tag("registration/sso_sign_in.html", takes_context=True)
def sso_sign_in(context):
    return {
        "enabled": settings.OIDC_ENABLED,
        "provider": provider_name() if settings.OIDC_ENABLED else "",
        "next": context.get("next", ""),
    }
