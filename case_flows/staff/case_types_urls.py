"""URLs of the Case types pages (included by case_flows.urls under /staff/case-types/)."""

from django.urls import path

from . import case_types

urlpatterns = [
    path("", case_types.case_types, name="staff_case_types"),
    path("<int:category_id>/", case_types.case_type, name="staff_case_type"),
    path("need-domains/", case_types.need_domains, name="staff_need_domains"),
    path("need-domains/<int:domain_id>/", case_types.need_domain, name="staff_need_domain"),
    path(
        "need-domains/<int:domain_id>/active/",
        case_types.need_domain_active,
        name="staff_need_domain_active",
    ),
]
