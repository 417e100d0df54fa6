"""The decision tables of the default pack: grade (G1-G4), tier routing, solution approval, K1/K2 deadline."""

from __future__ import annotations

from tools.dmn_layout import Table

MAJOR_CHANNELS = "? in ('authority', 'lawyer', 'consumer_association')"


def grade_decision() -> Table:
    """G1-G4: any one criterion suffices, highest wins (FIRST hit policy, rows ordered G1..G4)."""
    t = Table(
        "grade_decision",
        "Complaint grade (G1-G4)",
        "FIRST",
        inputs=[
            ("Previous grade", "grade", "string"),
            ("Media exposure", "facts.get('media_exposure', 'none')", "string"),
            ("Channel", "channel", "string"),
            ("Households", "facts.get('households', 1) or 1", "integer"),
            ("Lawsuit", "facts.get('lawsuit', 'none')", "string"),
            ("Kind", "kind", "string"),
            ("Behaviour", "facts.get('behaviour')", "string"),
            ("Complainants, same issue, 30 days", "complainants_30d", "integer"),
            ("Days open", "days_open", "integer"),
            ("Repeats after closure", "repeats_after_closure", "integer"),
            ("Needs other departments", "bool(facts.get('needs_other_departments'))", "boolean"),
        ],
        outputs=[("Grade", "new_grade", "string"), ("Rule", "new_grade_reason", "string")],
        description="Any one criterion suffices and the highest grade wins: rows are checked top to bottom "
        "(FIRST). A case is never graded lower than before (rows 'kept').",
    )
    n = len(t.inputs)

    def row(col: int, entry: str, grade: str, reason: str, note: str) -> None:
        """One criterion in one column, the others any."""
        cells = ["-"] * n
        cells[col] = entry
        t.rule(cells, [f'"{grade}"', reason if reason == "grade_reason" else f'"{reason}"'], note)

    row(1, '"actual"', "G1", "G1-a", "G1-a: negative media exposure has happened or the media are already on it")
    row(2, '"media"', "G1", "G1-a", "G1-a: the case came from the media")
    row(3, "? >= 10", "G1", "G1-b", "G1-b: 10 or more households (possible group lawsuit)")
    row(0, '"G1"', "G1", "grade_reason", "kept: never downgraded")
    row(1, '"possible"', "G2", "G2-a", "G2-a: may lead to media exposure")
    row(4, "? in ('possible', 'group')", "G2", "G2-a", "G2-a: may lead to a lawsuit")
    row(2, MAJOR_CHANNELS, "G2", "G2-a", "G2-a: major-complaint channel (authority, lawyer, consumer association)")
    row(5, '"external"', "G2", "G2-a", "G2-a: external complaint (the customer went outside the company)")
    row(6, '"activist"', "G2", "G2-a", "G2-a: activist customer threatening media or authorities")
    row(7, "? >= 3", "G2", "G2-b", "G2-b: same complaint from 3 or more different complainants within 30 days")
    row(3, "3 <= ? <= 9", "G2", "G2-c", "G2-c: collective complaint by 3 to 9 households")
    row(8, "? >= 30", "G2", "G2-d", "G2-d: unresolved for more than one month")
    row(0, '"G2"', "G2", "grade_reason", "kept: never downgraded")
    row(9, "? >= 3", "G3", "G3-a", "G3-a: same problem complained about 3 times after it had been handled")
    row(10, "True", "G3", "G3-b", "G3-b: needs other departments' help")
    row(0, '"G3"', "G3", "grade_reason", "kept: never downgraded")
    t.rule(["-"] * n, ['"G4"', '"G4"'], "G4: everything else")
    return t


def tier_decision() -> Table:
    """Tier routing from the grade, one tier up per escalation (second rejection)."""
    t = Table(
        "tier_decision",
        "Handling tier",
        "FIRST",
        inputs=[
            ("Grade", "new_grade", "string"),
            ("Escalations", "escalations", "integer"),
            ("Needs other departments", "bool(facts.get('needs_other_departments'))", "boolean"),
        ],
        outputs=[
            ("Tier", "new_tier", "integer"),
            ("Handler group", "new_handler_group", "string"),
            ("Next tier group", "next_tier_group", "string"),
            ("Manager coordination", "manager_coordination", "boolean"),
            ("Technical supervisor", "technical_support", "boolean"),
        ],
        description="G4 -> tier 1, G3 -> tier 2 (+ technical supervisor when other departments are needed), "
        "G2 -> tier 2 with manager coordination, G1 -> tier 3 (crisis). Each escalation moves one "
        "tier up, at most to tier 3.",
    )
    t3 = ["3", '"tier_3_handler"', '"general_manager"']
    t2 = ["2", '"tier_2_handler"', '"tier_3_handler"']
    t1 = ["1", '"tier_1_handler"', '"tier_2_handler"']
    t.rule(['"G1"', "-", "-"], [*t3, "True", "False"], "G1: tier 3, general manager coordinates (crisis)")
    t.rule(['"G2"', "? >= 1", "-"], [*t3, "True", "False"], "G2 escalated: tier 3")
    t.rule(['"G2"', "-", "-"], [*t2, "True", "False"], "G2: tier 2 with manager coordination")
    t.rule(['"G3"', "? >= 1", "True"], [*t3, "False", "True"], "G3 escalated, other departments: tier 3 + technical")
    t.rule(['"G3"', "? >= 1", "-"], [*t3, "False", "False"], "G3 escalated: tier 3")
    t.rule(['"G3"', "-", "True"], [*t2, "False", "True"], "G3-b: tier 2 + technical supervisor")
    t.rule(['"G3"', "-", "-"], [*t2, "False", "False"], "G3: tier 2")
    t.rule(['"G4"', "? >= 2", "-"], [*t3, "False", "False"], "G4 escalated twice: tier 3")
    t.rule(['"G4"', "? >= 1", "-"], [*t2, "False", "False"], "G4 escalated once: tier 2")
    t.rule(["-", "-", "-"], [*t1, "False", "False"], "G4: tier 1")
    return t


def approval_decision() -> Table:
    """Solutions with compensation above the threshold need the next tier's approval."""
    t = Table(
        "approval_decision",
        "Solution approval",
        "FIRST",
        inputs=[
            ("Compensation offered", "'compensation' in solution_types", "boolean"),
            ("Compensation amount", "compensation_amount or 0", "number"),
            ("Tier", "tier", "integer"),
        ],
        outputs=[("Approval needed", "approval_needed", "boolean"), ("Approver group", "approver_group", "string")],
        description="Compensation above 1000 needs approval by the next tier up (tier 3: the general manager).",
    )
    t.rule(["True", "? > 1000", "1"], ["True", '"tier_2_handler"'], "tier 1 -> tier-2 handler approves")
    t.rule(["True", "? > 1000", "2"], ["True", '"tier_3_handler"'], "tier 2 -> tier-3 handler approves")
    t.rule(["True", "? > 1000", "-"], ["True", '"general_manager"'], "tier 3 -> general manager approves")
    t.rule(["-", "-", "-"], ["False", '""'], "within the handler's authority")
    return t


def resolution_deadline() -> Table:
    """K1/K2: the resolution clock of a grievance by category."""
    t = Table(
        "resolution_deadline",
        "Resolution deadline (K1/K2)",
        "FIRST",
        inputs=[("Category", "category", "string")],
        outputs=[("Clock", "resolution_clock", "string"), ("Deadline", "resolution_deadline", "string")],
        description="K1 product complaints resolved within two weeks, K2 parts-supply complaints within one week. "
        "Other categories have no KPI clock (the timer still needs a duration; its branch does nothing).",
    )
    t.rule(['"product_quality"'], ['"K1"', '"P14D"'], "K1: product complaints, two weeks")
    t.rule(['"parts_supply"'], ['"K2"', '"P7D"'], "K2: parts-supply complaints, one week")
    t.rule(["-"], ['"none"', '"P14D"'], "no KPI clock")
    return t


TABLES = [grade_decision, tier_decision, approval_decision, resolution_deadline]
