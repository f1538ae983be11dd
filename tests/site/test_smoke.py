import frappe

from tests.harness.world import build, make_incident


def test_incident_registers_with_number_and_center(site):
	world = build()
	incident = make_incident(world)
	assert incident.name.startswith("INC-")
	assert incident.status == "Registered"
	assert incident.workflow_state == "Registered"
	assert incident.client_company == "TEST KarMet"
	assert incident.service_center == "TEST Karaganda"
	assert incident.registered_on


def test_the_test_site_keeps_its_jobs_from_a_running_bench(site):
	"""A developer's `bench start` shares the bench and Redis: its worker listens on the bench's queues and its
	scheduler enqueues for every site. The test site's jobs go to queues of their own, and its scheduler is paused."""
	from frappe.utils import get_bench_path
	from frappe.utils.background_jobs import generate_qname
	from frappe.utils.scheduler import is_scheduler_inactive

	bench_queue = f"{get_bench_path().strip('/').replace('/', '-')}:default"
	assert generate_qname("default") != bench_queue
	assert generate_qname("default").startswith("xnet-helpdesk-tests:")
	assert is_scheduler_inactive(verbose=False)
