"""The compact process description: pools with lanes, nodes on a grid, flows (see bpmn_layout for the XML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
POOL_X, POOL_HEAD, LANE_HEAD = 120, 30, 30
COL_W, ROW_H, POOL_GAP = 150, 120, 40
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
TAGS = {
    "start": "startEvent",
    "end": "endEvent",
    "user": "userTask",
    "service": "serviceTask",
    "script": "scriptTask",
    "rule": "businessRuleTask",
    "call": "callActivity",
    "xgw": "exclusiveGateway",
    "pgw": "parallelGateway",
    "igw": "inclusiveGateway",
    "boundary": "boundaryEvent",
    "throw": "intermediateThrowEvent",
}


def q(prefix: str, tag: str) -> str:
    """Clark name of a namespaced tag."""
    return f"{{{NS[prefix]}}}{tag}"


@dataclass
class Node:
    """One flow node at a grid cell (lane, col, row) of its pool."""

    id: str
    kind: str
    name: str
    lane: int
    col: float
    row: float = 0
    doc: str = ""
    ext: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> str:
        """Size class of the node."""
        if self.kind in ("start", "end", "boundary", "throw"):
            return "event"
        return "gateway" if self.kind.endswith("gw") else "task"


@dataclass
class Flow:
    """A sequence flow; `via` = (lane, row, dy) routes it through a horizontal channel (loops, bypasses)."""

    id: str
    source: str
    target: str
    name: str = ""
    cond: str | None = None
    default: bool = False
    via: tuple[int | str, float, float] | None = None
    bend: float | None = None


@dataclass
class Pool:
    """One executable process drawn as a participant with horizontal lanes."""

    id: str
    name: str
    lanes: list[str]
    doc: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)

    def lane_index(self, lane: int | str) -> int:
        """Index of a lane given by index or name."""
        return lane if isinstance(lane, int) else self.lanes.index(lane)

    def add(
        self, kind: str, id: str, name: str, lane: int | str, col: float, row: float = 0, doc: str = "", **ext: Any
    ) -> Node:
        """Add a node of any kind."""
        if id in self.nodes:
            raise ValueError(f"duplicate node id {id}")
        node = Node(id, kind, name, self.lane_index(lane), col, row, doc, ext)
        self.nodes[id] = node
        return node

    def start(self, id: str, name: str, lane: int | str, col: float, row: float = 0) -> Node:
        """A none start event."""
        return self.add("start", id, name, lane, col, row)

    def end(self, id: str, name: str, lane: int | str, col: float, row: float = 0) -> Node:
        """A none end event."""
        return self.add("end", id, name, lane, col, row)

    def user(
        self, id: str, name: str, lane: int | str, col: float, form: str, *, row: float = 0, doc: str = "", **props: str
    ) -> Node:
        """A user task with its form and optional properties (dueIn, clock, assignGroup)."""
        return self.add("user", id, name, lane, col, row, doc, props={"formJsonSchemaFilename": form, **props})

    def service(
        self,
        id: str,
        name: str,
        lane: int | str,
        col: float,
        op: str,
        params: dict[str, str],
        row: float = 0,
        doc: str = "",
        result: str | None = None,
    ) -> Node:
        """A service task calling a registered handler; params are Python expressions."""
        return self.add("service", id, name, lane, col, row, doc, op=op, params=params, result=result)

    def gw(self, id: str, name: str, lane: int | str, col: float, row: float = 0, kind: str = "xgw") -> Node:
        """A gateway (exclusive by default)."""
        return self.add(kind, id, name, lane, col, row)

    def timer(
        self, id: str, name: str, host: str, duration: str, slot: int = 0, interrupting: bool = False, doc: str = "",
        kind: str = "timeDuration",
    ) -> Node:
        """A boundary timer on a task or call activity: an ISO-8601 duration expression, or a timeDate one."""
        h = self.nodes[host]
        return self.add(
            "boundary",
            id,
            name,
            h.lane,
            h.col,
            h.row,
            doc,
            attached=host,
            slot=slot,
            interrupting=interrupting,
            timer=(kind, duration),
        )

    def flow(
        self,
        source: str,
        target: str,
        name: str = "",
        cond: str | None = None,
        default: bool = False,
        via: tuple[int | str, float, float] | None = None,
        bend: float | None = None,
    ) -> Flow:
        """Connect two nodes; `via` = (lane, row, dy) routes the flow through a horizontal channel."""
        flow = Flow(f"Flow_{source}_{target}", source, target, name, cond, default, via, bend)
        if any(f.id == flow.id for f in self.flows):
            flow.id += f"_{len(self.flows)}"
        self.flows.append(flow)
        return flow

    def chain(self, *ids: str) -> None:
        """Connect nodes in sequence."""
        for a, b in zip(ids, ids[1:], strict=False):
            self.flow(a, b)


@dataclass
class Box:
    """Bounds of a shape."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Centre x."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Centre y."""
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        """Right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Bottom edge."""
        return self.y + self.h
