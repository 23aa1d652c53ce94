"""The API's documentation page (Swagger UI) under the site's Content-Security-Policy.

drf-spectacular's SpectacularSwaggerView starts Swagger UI with an inline script, which the
policy (script-src 'self') refuses; its split view serves that script as a file of its own
(`?script`). Our template (templates/api/swagger_ui.html) drops the inline <style> too and
names the page's language. Swagger UI's stylesheet draws its icons as data: images, which
img-src allows on this page only.
"""

from csp.constants import SELF
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"img-src": [SELF, "data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
