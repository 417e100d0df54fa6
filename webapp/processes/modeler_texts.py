"""Texts of the bpmn-js modeler the studio translates through bpmn-js's translate module: element-type headers of
the properties panel, palette, context pad and "Change element" popup, bpmnlint's messages, the panel's entries."""

from __future__ import annotations

from webapp.engine.messages import N_

# the header of the properties panel names the element's type (for the elements the pack uses)
ELEMENT_TYPES = [
    N_("Process"), N_("Participant"), N_("Lane"), N_("Start Event"), N_("Timer Start Event"),
    N_("Message Start Event"), N_("End Event"), N_("Escalation End Event"), N_("Error End Event"),
    N_("Terminate End Event"), N_("Message End Event"), N_("Intermediate Throw Event"),
    N_("Escalation Intermediate Throw Event"), N_("Intermediate Catch Event"), N_("Timer Intermediate Catch Event"),
    N_("Message Intermediate Catch Event"), N_("Boundary Event"), N_("Timer Boundary Event"),
    N_("Timer Boundary Event (Non Interrupting)"), N_("Error Boundary Event"), N_("Escalation Boundary Event"),
    N_("Escalation Boundary Event (Non Interrupting)"), N_("Message Boundary Event"), N_("Task"), N_("User Task"),
    N_("Service Task"), N_("Script Task"), N_("Business Rule Task"), N_("Manual Task"), N_("Send Task"),
    N_("Receive Task"), N_("Call Activity"), N_("Collapsed Sub Process"), N_("Expanded Sub Process"),
    N_("Event Sub Process"), N_("Exclusive Gateway"), N_("Parallel Gateway"), N_("Inclusive Gateway"),
    N_("Event Based Gateway"), N_("Sequence Flow"), N_("Conditional Flow"), N_("Default Flow"),
    N_("Text Annotation"), N_("Group"), N_("Data Object Reference"), N_("Data Store Reference"),
]
PALETTE = [
    N_("Activate hand tool"), N_("Activate lasso tool"), N_("Activate create/remove space tool"),
    N_("Activate global connect tool"), N_("Create start event"), N_("Create intermediate/boundary event"),
    N_("Create end event"), N_("Create gateway"), N_("Create task"), N_("Create data object reference"),
    N_("Create data store reference"), N_("Create expanded sub-process"), N_("Create pool/participant"),
    N_("Create group"),
]
CONTEXT_PAD = [
    N_("Append end event"), N_("Append gateway"), N_("Append task"), N_("Append intermediate/boundary event"),
    N_("Append timer intermediate catch event"), N_("Append message intermediate catch event"),
    N_("Append receive task"), N_("Change element"), N_("Delete"), N_("Connect to other element"),
    N_("Connect using association"), N_("Add text annotation"), N_("Add lane above"), N_("Add lane below"),
    N_("Divide into two lanes"), N_("Divide into three lanes"),
]
LINT = [
    N_("{errors} Errors, {warnings} Warnings"), N_("No Issues"), N_("Toggle linting overlays"),
    N_("Issues for child elements"), N_("Element is missing label/name"), N_("Element is not connected"),
    N_("Element is an implicit start"), N_("Element is an implicit end"), N_("Flow splits implicitly"),
    N_("Incoming flows do not join"), N_("Gateway forks and joins"),
    N_("Gateway is superfluous. It only has one source and target."), N_("Sequence flow is missing condition"),
    N_("Sequence flow has superfluous label"), N_("Process is missing start event"),
    N_("Process is missing end event"), N_("Sub Process is missing start event"),
    N_("Sub Process is missing end event"), N_("Process has multiple blank start events"),
    N_("Element is missing bpmndi"), N_("Element overlaps with other element"),
    N_("Element is outside of parent boundary"), N_("Event has multiple event definitions"),
    N_("Termination is superfluous."), N_("SequenceFlow is a duplicate"), N_("Duplicate outgoing sequence flows"),
    N_("Duplicate incoming sequence flows"), N_("Start event must be blank"), N_("Element is missing name"),
    N_("Element is unused"), N_("Element name is not unique"),
]
PANEL = [
    N_("Executable"), N_("Process ID"), N_("Process name"), N_("Participant Name"), N_("Multi-instance"),
    N_("Loop cardinality"), N_("Completion condition"), N_("Escalation"), N_("Global escalation reference"),
    N_("Code"), N_("Message"), N_("Global message reference"), N_("Error"), N_("Signal"), N_("Compensation"),
    N_("Link"), N_("<none>"), N_("Create new ..."), N_("ID must be unique."), N_("ID must not be empty."),
    N_("ID must not contain spaces."), N_("ID must be a valid QName."), N_("ID must not contain prefix."),
]
# the "Change element" (replace) popup: its entries are bpmn-js's replace options (PopupEntries, ReplaceOptions),
# its header toggles (multi-instance, loop, collection, non-interrupting) the ReplaceMenuProvider's titles
REPLACE = [
    N_("Start event"), N_("Intermediate throw event"), N_("End event"), N_("Message start event"),
    N_("Timer start event"), N_("Conditional start event"), N_("Signal start event"), N_("Error start event"),
    N_("Escalation start event"), N_("Compensation start event"), N_("Message start event (non-interrupting)"),
    N_("Timer start event (non-interrupting)"), N_("Conditional start event (non-interrupting)"),
    N_("Signal start event (non-interrupting)"), N_("Escalation start event (non-interrupting)"),
    N_("Message intermediate catch event"), N_("Message intermediate throw event"),
    N_("Timer intermediate catch event"), N_("Escalation intermediate throw event"),
    N_("Conditional intermediate catch event"), N_("Link intermediate catch event"),
    N_("Link intermediate throw event"), N_("Compensation intermediate throw event"),
    N_("Signal intermediate catch event"), N_("Signal intermediate throw event"), N_("Message end event"),
    N_("Escalation end event"), N_("Error end event"), N_("Cancel end event"), N_("Compensation end event"),
    N_("Signal end event"), N_("Terminate end event"), N_("Boundary event"), N_("Message boundary event"),
    N_("Timer boundary event"), N_("Escalation boundary event"), N_("Conditional boundary event"),
    N_("Error boundary event"), N_("Cancel boundary event"), N_("Signal boundary event"),
    N_("Compensation boundary event"), N_("Message boundary event (non-interrupting)"),
    N_("Timer boundary event (non-interrupting)"), N_("Escalation boundary event (non-interrupting)"),
    N_("Conditional boundary event (non-interrupting)"), N_("Signal boundary event (non-interrupting)"),
    N_("Exclusive gateway"), N_("Parallel gateway"), N_("Inclusive gateway"), N_("Complex gateway"),
    N_("Event-based gateway"), N_("Event based instantiating Gateway"),
    N_("Parallel Event based instantiating Gateway"), N_("User task"), N_("Service task"), N_("Send task"),
    N_("Receive task"), N_("Manual task"), N_("Business rule task"), N_("Script task"), N_("Call activity"),
    N_("Transaction"), N_("Sub-process"), N_("Sub-process (collapsed)"), N_("Sub-process (expanded)"),
    N_("Ad-hoc sub-process"), N_("Ad-hoc sub-process (collapsed)"), N_("Ad-hoc sub-process (expanded)"),
    N_("Event sub-process"), N_("Sequence flow"), N_("Default flow"), N_("Conditional flow"),
    N_("Data object reference"), N_("Data store reference"), N_("Expanded pool/participant"),
    N_("Empty pool/participant"), N_("Empty pool/participant (removes content)"), N_("Parallel multi-instance"),
    N_("Sequential multi-instance"), N_("Loop"), N_("Collection"), N_("Participant multiplicity"),
    N_("Toggle non-interrupting"),
]
MODELER_TEXTS = ELEMENT_TYPES + PALETTE + CONTEXT_PAD + LINT + PANEL + REPLACE
