"""The site's 400 page. A request refused before the authentication middleware ran (a Host
header not in ALLOWED_HOSTS, caught by CommonMiddleware) has no user: the page with the
navigation cannot render for it, and Django would answer 500 instead of 400. Such a request
gets the plain page (no navigation, no context processors)."""

from django.http import HttpResponseBadRequest
from django.template import loader
from django.views import defaults


def bad_request(request, exception, template_name="400.html"):
    if hasattr(request, "user"):
        return defaults.bad_request(request, exception, template_name)
    return HttpResponseBadRequest(loader.get_template("400_plain.html").render())
