"""Every human node of the case flow has a task page (approval nodes are decided on the
approval page), and every page has its template."""

from django.template.loader import get_template
from viewflow.workflow import flow

from case_flows.flows import CaseFlow
from case_flows.work.pages import APPROVAL_NODES, PAGES


def _human_nodes():
    return {node.name for node in CaseFlow.instance.nodes() if isinstance(node, flow.View)}


def test_every_human_node_has_a_page():
    missing = _human_nodes() - APPROVAL_NODES - set(PAGES)
    assert missing == set()


def test_no_page_for_a_node_that_does_not_exist():
    assert set(PAGES) <= _human_nodes()


def test_every_page_has_its_template():
    for page in PAGES.values():
        get_template(page.template)
