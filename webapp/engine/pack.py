"""Parse and validate a set of BPMN/DMN files and forms into executable process specs."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask, UserTask

from webapp.engine.codecheck import code_problems
from webapp.engine.formcheck import form_problems
from webapp.engine.formrefs import SHARED_REF_TEXT, is_definitions, resolve_shared
from webapp.engine.messages import english
from webapp.engine.xmlsafe import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_PROPERTY = "formJsonSchemaFilename"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


class DeployError(ValueError):
    """A deployment was refused; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One problem in a deployment: which file, which element, what is wrong."""

    file: str
    element: str
    message: str  # in English (or already in the reader's language, from the web layer's checks)
    name: str = ""  # the element's name, as the owner sees it in the diagram
    code: str = ""  # webapp.engine.messages code, translated where the problem is shown
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}" + (f" element '{self.element}'" if self.element else "")
        where += f" ({self.name})" if self.name else ""
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the problem (the code and its parameters when the engine found it)."""
        out: dict[str, Any] = {"file": self.file, "element": self.element, "name": self.name, "message": self.message}
        if self.code:
            out |= {"code": self.code, "params": dict(self.params)}
        return out


def problem(file: str, element: str, code: str, name: str = "", /, **params: Any) -> Problem:
    """A problem with a message code: the English text now, the code and parameters to translate it later."""
    clean = {k: str(v) for k, v in params.items()}
    return Problem(file, element, english(code, clean), name, code, tuple(sorted(clean.items())))


@dataclass
class ProcessBundle:
    """One executable process: its spec, the specs it calls, and the files it came from."""

    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    files: dict[str, str]
    content_hash: str
    form_files: dict[str, str] = field(default_factory=dict)  # used forms (and their vocabularies) as written


@dataclass
class Pack:
    """Every process of a deployment, plus the forms the user tasks name."""

    processes: dict[str, ProcessBundle] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)


@functools.lru_cache(maxsize=1024)
def group_for_lane(lane: str | None) -> str | None:
    """Group key of a lane name: 'Customer service' -> 'customer_service' (a diagram has a few lanes: cached)."""
    if not lane:
        return None
    return re.sub(r"[^a-z0-9]+", "_", lane.lower()).strip("_") or None


def read_dir(processes_dir: Path, forms_dir: Path | None = None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Read every .bpmn/.dmn of a folder and every .json form of another."""
    files = {p.name: p.read_bytes() for p in sorted(processes_dir.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    forms: dict[str, bytes] = {}
    if forms_dir is not None and forms_dir.is_dir():
        forms = {p.name: p.read_bytes() for p in sorted(forms_dir.glob("*.json"))}
    return files, forms


def _msg(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


@functools.lru_cache(maxsize=512)
def _schema_error(schema_json: str) -> str | None:
    """The first line of the meta-schema error of a form (None when valid), cached by the form's content."""
    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(schema_json))
    except jsonschema.SchemaError as exc:
        return str(exc).splitlines()[0]
    return None


def _load_forms(forms: dict[str, bytes], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    parsed: dict[str, Any] = {}
    for name, raw in forms.items():
        try:
            parsed[name] = json.loads(raw)
        except ValueError as exc:
            problems.append(Problem(name, "", f"not a valid JSON Schema: {str(exc).splitlines()[0]}"))
    loaded: dict[str, dict[str, Any]] = {}
    for name, schema in parsed.items():
        if is_definitions(schema):
            continue  # shared vocabularies: resolved into the forms that refer to them (webapp/engine/formrefs.py)
        schema, unresolved = resolve_shared(schema, parsed)
        problems.extend(problem(name, "", code, **params) for code, params in unresolved)
        invalid = _schema_error(json.dumps(schema))  # key order kept: the same error is reported first
        if invalid:
            problems.append(problem(name, "", "not_schema", detail=invalid))
            continue
        unsafe = form_problems(schema)
        if unsafe:
            problems.extend(problem(name, "", code, **params) for code, params in unsafe)
            continue
        loaded[name] = schema
    return loaded


def _parse_files(files: dict[str, bytes], problems: list[Problem]) -> SpiffBpmnParser:
    parser = SpiffBpmnParser()
    for name, raw in files.items():
        try:
            root = parse_xml(raw, name)
        except ValueError as exc:
            problems.append(problem(name, "", "xml", detail=str(exc).removeprefix(name).lstrip(": ")))
            continue
        dupes = _duplicate_ids(root)
        if dupes:
            problems.extend(problem(name, d, "duplicate_id") for d in dupes)
            continue
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            problems.append(problem(name, exc.id or "", "parser", detail=_msg(exc)))
        except Exception as exc:  # the parser raises assorted errors on bad input
            problems.append(problem(name, "", "parser", detail=f"{type(exc).__name__}: {exc}"))
    return parser


def _duplicate_ids(root: Any) -> list[str]:
    """Ids that SpiffWorkflow would confuse: repeated diagram ids, or extension ids equal to one."""
    seen: set[str] = set()
    extension_ids: set[str] = set()
    dupes: list[str] = []
    for el in root.iter():
        ident = el.get("id") if isinstance(el.tag, str) else None
        if ident is None:
            continue
        if el.tag.startswith("{" + SPIFF_NS):
            extension_ids.add(ident)
            continue
        if ident in seen and ident not in dupes:
            dupes.append(ident)
        seen.add(ident)
    return dupes + sorted(seen & extension_ids)


def _check_spec(spec: Any, files: dict[str, str], forms: dict[str, Any], known_ops: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    fname = Path(spec.file or "").name
    for ts in spec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None) or ts.name
        problems.extend(problem(fname, bpmn_id, "code_refused", what=what, error=error)
                        for what, error in code_problems(ts))
        if isinstance(ts, ServiceTask) and ts.operation_name not in known_ops:
            problems.append(problem(fname, bpmn_id, "no_handler", op=ts.operation_name))
        if isinstance(ts, UserTask):
            if not ts.lane:
                problems.append(problem(fname, bpmn_id, "no_lane"))
            form = (ts.extensions or {}).get("properties", {}).get(FORM_PROPERTY)
            if not form:
                problems.append(problem(fname, bpmn_id, "no_form", property=FORM_PROPERTY))
            elif form not in forms:
                problems.append(problem(fname, bpmn_id, "missing_form", form=form))
        if isinstance(ts, CatchingEvent):
            _ = ts.event_definition  # parsed already; expression errors surface at run time
    return problems


def build_pack(files: dict[str, bytes], forms: dict[str, bytes], known_ops: set[str]) -> Pack:
    """Parse and validate everything; raise DeployError listing every problem, or return the Pack."""
    problems: list[Problem] = []
    if not files:
        raise DeployError([problem("", "", "no_files")])
    loaded_forms = _load_forms(forms, problems)
    parser = _parse_files(files, problems)
    texts = {name: raw.decode("utf-8", "replace") for name, raw in files.items()}
    pack = Pack(forms=loaded_forms)
    for key in parser.get_process_ids():  # check what parsed even if other files failed: report every problem
        try:
            spec = parser.get_spec(key)
            subs = parser.get_subprocess_specs(key)
        except ValidationException as exc:
            problems.append(problem(Path(exc.file_name or "").name, exc.id or "", "parser", detail=_msg(exc)))
            continue
        except Exception as exc:
            problems.append(problem("", key, "parser", detail=f"{type(exc).__name__}: {exc}"))
            continue
        used = {Path(spec.file).name} | {Path(s.file).name for s in subs.values() if s.file}
        used |= {n for n in texts if n.endswith(".dmn")}
        for s in [spec, *subs.values()]:
            problems.extend(_check_spec(s, texts, loaded_forms, known_ops))
        src = {n: texts[n] for n in sorted(used) if n in texts}
        used_forms = _forms_of([spec, *subs.values()])
        digest = hashlib.sha256()
        for n, t in src.items():
            digest.update(n.encode() + b"\0" + t.encode() + b"\0")
        for n in sorted(used_forms):
            if n in loaded_forms:  # the schema, not its layout: an exported form deploys as unchanged
                canonical = json.dumps(loaded_forms[n], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                digest.update(n.encode() + b"\0" + canonical.encode() + b"\0")
        pack.processes[key] = ProcessBundle(key, spec.description or key, spec, subs, src, digest.hexdigest(),
                                            form_sources(forms, used_forms & set(loaded_forms)))
    if problems:
        raise DeployError(sorted(set(problems), key=lambda p: (p.file, p.element, p.message)))
    return pack


def _forms_of(specs: list[Any]) -> set[str]:
    names: set[str] = set()
    for s in specs:
        for ts in s.task_specs.values():
            form = (getattr(ts, "extensions", None) or {}).get("properties", {}).get(FORM_PROPERTY)
            if form:
                names.add(form)
    return names


def form_sources(forms: dict[str, bytes], names: set[str]) -> dict[str, str]:
    """The text of the named forms as the owner wrote them, plus every definitions file they refer to."""
    out = {n: forms[n].decode("utf-8", "replace") for n in sorted(names) if n in forms}
    for text in list(out.values()):
        for ref in SHARED_REF_TEXT.findall(text):
            if ref in forms and ref not in out:
                out[ref] = forms[ref].decode("utf-8", "replace")
    return dict(sorted(out.items()))


def forms_of_bundle(bundle: ProcessBundle) -> set[str]:
    """Names of the form files a process and its called processes use."""
    return _forms_of([bundle.spec, *bundle.subprocess_specs.values()])
