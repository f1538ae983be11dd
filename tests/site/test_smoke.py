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
