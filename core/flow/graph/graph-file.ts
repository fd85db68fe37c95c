/**
 * Flowchart files (YAML or JSON; `examples/flows/*.yaml`, `ark flows import FILE`), so flows can live in git.
 * Text in, definition out — no file system access here. Every problem comes back positioned (`file:line:col path:
 * message`): YAML syntax, the JSON Schema (flow-file-schema.ts), and the graph rules of validate-graph.ts mapped back
 * to the node or connector that caused them.
 *
 * Connectors default to `mode: solid`. A solid connector leaving a decision may carry `condition:`; it is written into
 * the decision's `config.decision_conditions` under the connector's condition key (generated as `connector_{n}` by the
 * decision sync when the connector has none).
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document } from "yaml";
import { isTooDeep, MAX_VALUE_DEPTH, TOO_DEEP_MESSAGE } from "../../contracts/nesting-depth.js";
import { unstorableTextIn } from "../../contracts/unstorable-text.js";
import { ArkError } from "../../errors/index.js";
import { routesByConditionKey, syncDecisionConnectors } from "./decision-sync.js";
import { fileConnectorIds, flowIssuePath, type FileContent } from "./flow-file-paths.js";
import { flowFileSchemaProblems } from "./flow-file-schema.js";
import type { FlowGraph, GraphIssue } from "./graph-model.js";
import { normaliseGraphPayload } from "./normalise-graph.js";
import { validateGraph, type GraphValidation, type GraphValidationOptions } from "./validate-graph.js";

/** Run settings a flowchart carries (§1.1). */
export interface FlowSettings {
  readonly max_node_executions: number | null;
  readonly max_runtime_minutes: number | null;
  readonly max_parallel_nodes: number;
}

/** A flowchart read from a file. */
export interface FlowDefinition {
  readonly schemaVersion: number;
  readonly name: string;
  readonly description: string | null;
  readonly settings: FlowSettings;
  readonly graph: FlowGraph;
}

/** One positioned problem in a flow file. */
export interface FlowFileIssue {
  readonly file: string;
  /** 1-based; null when the position is unknown. */
  readonly line: number | null;
  readonly col: number | null;
  /** e.g. `connectors[2].target`; "" for the whole file. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** What parsing a flow file found. `ok` = no error of any kind; `definition` is null when the file could not be read. */
export interface FlowFileResult {
  readonly ok: boolean;
  readonly definition: FlowDefinition | null;
  readonly validation: GraphValidation | null;
  readonly errors: FlowFileIssue[];
  readonly warnings: FlowFileIssue[];
}

type Path = readonly (string | number)[];

/** Alias expansions a file may make (yaml's count: uses of an anchor × aliases inside it), as the config allows. */
const MAX_ALIAS_COUNT = 100;

const EXCESSIVE_ALIASES_MESSAGE = `Aliases expand into too many copies (more than ${MAX_ALIAS_COUNT} alias expansions, the guard against YAML "billion laughs" files); use fewer aliases or write the values out.`;

/** `/nodes/1/title` → ["nodes", 1, "title"]. */
function pointerSegments(pointer: string): Path {
  return pointer.split("/").slice(1).map((raw) => {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    return /^\d+$/.test(segment) ? Number(segment) : segment;
  });
}

/** A file that could not be read into a definition. */
function unreadable(errors: FlowFileIssue[]): FlowFileResult {
  return { ok: false, definition: null, validation: null, errors, warnings: [] };
}

/** Parses and validates a flow file's text. `fileName` is used in messages only. */
export function parseFlowFile(text: string, fileName: string, options: GraphValidationOptions = {}): FlowFileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: Source = { file: fileName, doc, lineCounter };
  const at = (path: Path, code: string, message: string): FlowFileIssue => issueAt(source, offsetOf(doc, path), formatPath(path), code, message);
  if (doc.errors.length > 0) return unreadable(yamlErrors(source));
  const plain = plainContent(source);
  if ("issue" in plain) return unreadable([plain.issue]);
  const { content } = plain;
  const schemaProblems = flowFileSchemaProblems(content);
  // PostgreSQL cannot store a NUL character (YAML writes one as "\0") nor a lone surrogate ("\ud800"; the driver would
  // store U+FFFD instead): refused here, with its position.
  const textErrors = unstorableTextIn(content).map((found) => at(pointerSegments(found.pointer), found.kind === "nul" ? "nul_character" : "lone_surrogate", found.message));
  if (schemaProblems.length > 0 || textErrors.length > 0) {
    return unreadable(sortIssues([...schemaProblems.map((p) => at(p.path, "schema_violation", p.message)), ...textErrors]));
  }
  const file = content as FileContent;
  const { graph, fileIssues } = graphFromFile(file, options);
  const validation = validateGraph(graph, options);
  const locate = (issue: GraphIssue) => at(issue.path ?? flowIssuePath(file, issue), issue.code, issue.message);
  const errors = sortIssues([...fileIssues.map(locate), ...validation.structuralErrors.map(locate), ...validation.semanticErrors.map(locate)]);
  const definition: FlowDefinition = {
    schemaVersion: file.schema_version,
    name: file.name.trim(),
    description: file.description ?? null,
    settings: {
      max_node_executions: file.settings?.max_node_executions ?? null,
      max_runtime_minutes: file.settings?.max_runtime_minutes ?? null,
      max_parallel_nodes: file.settings?.max_parallel_nodes ?? 1,
    },
    graph,
  };
  return { ok: errors.length === 0, definition, validation, errors, warnings: validation.warnings.map(locate) };
}

/**
 * YAML syntax errors. A file nested thousands deep overflows yaml's composer, which reports it (as RESOURCE_EXHAUSTION)
 * at every level it unwinds through: the first one says all there is to say.
 */
function yamlErrors(source: Source): FlowFileIssue[] {
  const overflow = source.doc.errors.find((error) => error.code === "RESOURCE_EXHAUSTION");
  if (overflow) return [issueAt(source, overflow.pos[0], "", "too_deep", `The file ${TOO_DEEP_MESSAGE}.`)];
  return source.doc.errors.map((error) => issueAt(source, error.pos[0], "", "yaml_syntax", error.message.split("\n")[0]!));
}

/**
 * The document as plain values, or why it cannot be one: aliases with no anchor or expanding without bound (yaml
 * throws a ReferenceError for both), or nesting deeper than MAX_VALUE_DEPTH, the bound the API and tools apply, since
 * everything after this walks the value recursively (a stack overflow in toJS itself is the same problem).
 */
function plainContent(source: Source): { content: unknown } | { issue: FlowFileIssue } {
  let content: unknown;
  try {
    content = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError) return { issue: aliasIssue(source) };
    if (err instanceof RangeError) return { issue: issueAt(source, null, "", "too_deep", `The file ${TOO_DEEP_MESSAGE}.`) };
    throw err;
  }
  // The path to the too-deep value is hundreds of segments long: its position says where, without the path.
  if (isTooDeep(content)) return { issue: issueAt(source, offsetOf(source.doc, tooDeepPath(content)), "", "too_deep", `The file ${TOO_DEEP_MESSAGE}.`) };
  return { content };
}

/**
 * Why toJS refused the aliases: an alias with no anchor before it (located exactly), or else too many expansions, for
 * which yaml says nothing about where: the first alias is where to start looking.
 */
function aliasIssue(source: Source): FlowFileIssue {
  const anchors = new Set<string>();
  let first: unknown = null;
  for (const node of nodesInOrder(source.doc)) {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) return issueAt(source, rangeStart(node), "", "yaml_alias", `Alias *${node.source} has no anchor &${node.source} before it.`);
      first ??= node;
    } else if ((isScalar(node) || isCollection(node)) && node.anchor) {
      anchors.add(node.anchor);
    }
  }
  return issueAt(source, rangeStart(first), "", "yaml_alias", EXCESSIVE_ALIASES_MESSAGE);
}

/** The document's nodes in document order; iterative, as the file may nest deeper than the stack allows. */
function* nodesInOrder(doc: Document): Generator<unknown> {
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isPair(node)) {
      pending.push(node.value, node.key);
      continue;
    }
    if (node) yield node;
    if (isCollection(node)) for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]);
  }
}

/** The path of an array or object nested deeper than MAX_VALUE_DEPTH; iterative, parents linked rather than copied. */
function tooDeepPath(value: unknown): Path {
  type Step = { readonly key: string | number; readonly up: Step } | null;
  const pending: [unknown, Step, number][] = [[value, null, 0]];
  while (pending.length > 0) {
    const [node, step, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth >= MAX_VALUE_DEPTH) {
      const path: (string | number)[] = [];
      for (let s = step; s !== null; s = s.up) path.unshift(s.key);
      return path;
    }
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((item, i) => [i, item]) : Object.entries(node);
    for (const [key, item] of entries) pending.push([item, { key, up: step }, depth + 1]);
  }
  return [];
}

function graphFromFile(file: FileContent, options: GraphValidationOptions): { graph: FlowGraph; fileIssues: GraphIssue[] } {
  const connectors = file.connectors ?? [];
  const ids = fileConnectorIds(connectors);
  const edges = connectors.map(({ condition: _condition, ...c }, i) => ({ ...c, id: ids[i], mode: c.mode ?? "solid" }));
  const normalised = normaliseGraphPayload({ nodes: file.nodes, edges });
  const fileIssues = normalised.issues.map((issue) => ({ ...issue, path: issue.path?.map((s) => (s === "edges" ? "connectors" : s)) }));
  const synced = syncDecisionConnectors(normalised.graph, options.registry).graph;
  const conditions = new Map<string, { text: string; index: number }>();
  connectors.forEach((c, index) => {
    if (c.condition !== undefined && !conditions.has(ids[index]!)) conditions.set(ids[index]!, { text: c.condition, index });
  });
  return { graph: applyConditions(synced, conditions, fileIssues, options), fileIssues };
}

function applyConditions(graph: FlowGraph, conditions: Map<string, { text: string; index: number }>, issues: GraphIssue[], options: GraphValidationOptions): FlowGraph {
  if (conditions.size === 0) return graph;
  const textsByNode = new Map<string, Map<string, string>>();
  for (const connector of graph.connectors) {
    const condition = conditions.get(connector.id);
    if (condition === undefined) continue;
    const source = graph.nodes.find((n) => n.id === connector.source);
    const isDecision = source !== undefined && routesByConditionKey(source, options.registry);
    if (!isDecision || connector.mode !== "solid" || !connector.conditionKey) {
      issues.push({ code: "condition_not_allowed", message: "condition is only allowed on solid connectors leaving a decision node.", path: ["connectors", condition.index, "condition"] });
      continue;
    }
    const texts = textsByNode.get(connector.source) ?? textsByNode.set(connector.source, new Map()).get(connector.source)!;
    texts.set(connector.conditionKey, condition.text.trim());
  }
  const nodes = graph.nodes.map((node) => {
    const texts = textsByNode.get(node.id);
    if (texts === undefined) return node;
    const list = (node.config.decision_conditions as { connector_id: string; condition_text: string }[]).map((c) => ({ ...c, condition_text: texts.get(c.connector_id) ?? c.condition_text }));
    return { ...node, config: { ...node.config, decision_conditions: list } };
  });
  return { ...graph, nodes };
}

/** The parsed text an issue points into. */
interface Source {
  readonly file: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

function issueAt(source: Source, offset: number | null, path: string, code: string, message: string): FlowFileIssue {
  const pos = offset === null ? null : source.lineCounter.linePos(offset);
  return { file: source.file, line: pos?.line ?? null, col: pos?.col ?? null, path, code, message };
}

/** Offset of the node at `path`: a map entry at its key, a list item at the item; the nearest existing ancestor otherwise. */
function offsetOf(doc: Document, path: Path): number | null {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      next = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      next = node.items[segment];
      offset = rangeStart(next) ?? offset;
    } else {
      break;
    }
    node = next;
  }
  return offset;
}

function rangeStart(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : null;
}

/** `connectors[2].target`, `nodes[0].config.fan_in_mode`. */
export function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function sortIssues(issues: FlowFileIssue[]): FlowFileIssue[] {
  const rank = (n: number | null) => n ?? Number.POSITIVE_INFINITY;
  return [...issues].sort((a, b) => rank(a.line) - rank(b.line) || rank(a.col) - rank(b.col));
}

/** "flows/x.yaml:12:5 connectors[2].target: Edge target node x does not exist." */
export function formatFlowFileIssue(issue: FlowFileIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return issue.path === "" ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** ARK_FLOW_FILE_INVALID listing every error of a parse that was not ok. */
export function flowFileInvalidError(result: FlowFileResult): ArkError {
  const file = result.errors[0]?.file ?? "flow file";
  const count = result.errors.length === 1 ? "1 problem" : `${result.errors.length} problems`;
  const lines = result.errors.map((issue) => `  ${formatFlowFileIssue(issue)}`).join("\n");
  return new ArkError("ARK_FLOW_FILE_INVALID", `${file} has ${count}:\n${lines}`, { details: { issues: result.errors } });
}

/** A definition as flow-file YAML (for `ark flows export`); parsing the text gives the same definition back. */
export function stringifyFlowFile(definition: FlowDefinition): string {
  const nodes = definition.graph.nodes.map((n) => ({
    id: n.id,
    type: n.type,
    ...(n.title ? { title: n.title } : {}),
    ...(n.refId ? { ref_id: n.refId } : {}),
    ...(Object.keys(n.config).length > 0 ? { config: n.config } : {}),
    ...(n.position ? { position: { x: n.position.x, y: n.position.y } } : {}),
  }));
  const connectors = definition.graph.connectors.map((c) => ({
    id: c.id,
    source: c.source,
    target: c.target,
    ...(c.mode === "solid" ? {} : { mode: c.mode }),
    ...(c.conditionKey ? { condition_key: c.conditionKey } : {}),
    ...(c.label ? { label: c.label } : {}),
  }));
  const file = { schema_version: definition.schemaVersion, name: definition.name, ...(definition.description ? { description: definition.description } : {}), settings: definition.settings, nodes, connectors };
  return stringify(file, { lineWidth: 0 });
}
