"""Who reads the reports: the managers' groups (domain §8; README "Managers ... find the KPI reports")."""

from __future__ import annotations

MANAGERS = ("service_supervisor", "technical_supervisor", "department_head", "general_manager", "admin")
