/**
 * Raw graph payloads (API bodies, stored rows, reference-era exports) → FlowGraph. Accepts the reference's field names
 * (`node_type`, `ref_id`, `config_json`, `edges`, `source_node_id`, `edge_mode`, `condition_key`, ...) next to ARK's
 * (`type`, `refId`, `config`, `connectors`, `source`, `mode`, `conditionKey`), stringifies integer ids, and reports every
 * shape problem as a structural GraphIssue (the API answers 400) with the reference's §2.4 messages. Never throws.
 */
import {
  graphIdOf,
  isJsonObject,
  parseConnectorMode,
  runtimeConnectorMode,
  type FlowConnector,
  type FlowGraph,
  type FlowNode,
  type GraphIssue,
} from "./graph-model.js";

/** The graph as far as it could be read, and every structural problem met on the way. */
export interface NormalisedGraph {
  readonly graph: FlowGraph;
  readonly issues: GraphIssue[];
}

type Raw = Record<string, unknown>;
type Path = (string | number)[];

const BINDING_KEYS = [
  ["mcpServerIds", "mcp_server_ids"],
  ["scriptIds", "script_ids"],
  ["skillIds", "skill_ids"],
  ["attachmentIds", "attachment_ids"],
] as const;

/** First present key among aliases (present = own property, even when null). */
function pick(raw: Raw, ...keys: string[]): { key: string; value: unknown } | null {
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(raw, key)) return { key, value: raw[key] };
  return null;
}

function optionalText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Reads `{nodes, edges|connectors}` (or a `graph_json` string holding it) into a FlowGraph plus structural issues. */
export function normaliseGraphPayload(payload: unknown): NormalisedGraph {
  let body = payload;
  if (isJsonObject(body) && typeof body.graph_json === "string") {
    try {
      body = JSON.parse(body.graph_json);
    } catch {
      body = null;
    }
  }
  const edges = isJsonObject(body) ? (pick(body, "edges", "connectors")?.value ?? null) : null;
  if (!isJsonObject(body) || !Array.isArray(body.nodes) || !Array.isArray(edges)) {
    const issue = { code: "graph_payload_invalid", message: "Graph payload must contain nodes[] and edges[] arrays.", path: [] };
    return { graph: { nodes: [], connectors: [] }, issues: [issue] };
  }
  const issues: GraphIssue[] = [];
  const nodes = normaliseNodes(body.nodes, issues);
  const connectors = normaliseConnectors(edges, issues);
  return { graph: { nodes, connectors }, issues };
}

function normaliseNodes(rawNodes: unknown[], issues: GraphIssue[]): FlowNode[] {
  const nodes: FlowNode[] = [];
  const seen = new Set<string>();
  rawNodes.forEach((raw, index) => {
    const node = normaliseNode(raw, index, issues);
    if (node === null) return;
    if (seen.has(node.id)) {
      issues.push({ code: "node_id_duplicate", message: `nodes[${index}].id '${node.id}' is already used by another node.`, nodeId: node.id, path: ["nodes", index, "id"] });
      return;
    }
    seen.add(node.id);
    nodes.push(node);
  });
  return nodes;
}

/** One node; null when it has no usable id (nothing else can refer to it then). */
function normaliseNode(raw: unknown, index: number, issues: GraphIssue[]): FlowNode | null {
  const at: Path = ["nodes", index];
  if (!isJsonObject(raw)) {
    issues.push({ code: "node_invalid", message: `nodes[${index}] must be an object.`, path: at });
    return null;
  }
  const id = graphIdOf(pick(raw, "id", "client_id", "clientId")?.value);
  if (id === null) {
    issues.push({ code: "node_id_invalid", message: `nodes[${index}].id must be a non-empty string or an integer.`, path: [...at, "id"] });
    return null;
  }
  const rawType = pick(raw, "type", "node_type", "nodeType")?.value;
  const node: Record<string, unknown> = {
    id,
    type: typeof rawType === "string" ? rawType.trim().toLowerCase() : "",
    refId: readRefId(raw, index, id, issues),
    title: optionalText(raw.title),
    config: readConfig(raw, index, id, issues),
  };
  const position = readPosition(raw);
  if (position !== null) node.position = position;
  const model = pick(raw, "modelId", "model_id");
  if (model !== null && model.value !== null && model.value !== undefined) node.modelId = model.value;
  for (const [camel, snake] of BINDING_KEYS) {
    const found = pick(raw, camel, snake);
    if (found === null || found.value === null || found.value === undefined) continue;
    if (!Array.isArray(found.value)) {
      issues.push({ code: "node_binding_invalid", message: `nodes[${index}].${snake} must be an array.`, nodeId: id, path: [...at, found.key] });
    } else if (new Set(found.value.map(String)).size !== found.value.length) {
      issues.push({ code: "node_binding_invalid", message: `nodes[${index}].${snake} must not contain duplicates.`, nodeId: id, path: [...at, found.key] });
    } else if (found.value.length > 0) {
      node[camel] = [...found.value];
    }
  }
  return node as unknown as FlowNode;
}

function readRefId(raw: Raw, index: number, nodeId: string, issues: GraphIssue[]): number | null {
  const found = pick(raw, "refId", "ref_id");
  const value = found?.value;
  if (value === undefined || value === null || value === "") return null;
  const parsed = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof parsed === "number" && Number.isSafeInteger(parsed) && parsed > 0) return parsed;
  issues.push({ code: "node_ref_invalid", message: `nodes[${index}].ref_id must be a positive integer or null.`, nodeId, path: ["nodes", index, found!.key] });
  return null;
}

function readConfig(raw: Raw, index: number, nodeId: string, issues: GraphIssue[]): Record<string, unknown> {
  const found = pick(raw, "config", "config_json");
  let value = found?.value;
  if (value === undefined || value === null) return {};
  if (typeof value === "string") {
    try {
      value = value.trim() === "" ? {} : JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  if (isJsonObject(value)) return structuredClone(value);
  issues.push({ code: "node_config_invalid", message: `nodes[${index}].config must be a JSON object.`, nodeId, path: ["nodes", index, found!.key] });
  return {};
}

function readPosition(raw: Raw): { x: number; y: number } | null {
  const source = isJsonObject(raw.position) ? raw.position : raw;
  const { x, y } = source;
  return typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}

function normaliseConnectors(rawEdges: unknown[], issues: GraphIssue[]): FlowConnector[] {
  const connectors: FlowConnector[] = [];
  const taken = new Set<string>();
  rawEdges.forEach((raw, index) => {
    const read = normaliseConnector(raw, index, issues);
    if (read === null) return;
    let { connector } = read;
    if (taken.has(connector.id)) {
      if (!read.idGenerated) {
        issues.push({ code: "connector_id_duplicate", message: `edges[${index}].id '${connector.id}' is already used by another connector.`, connectorId: connector.id, path: ["edges", index, "id"] });
        return;
      }
      // Two unnamed connectors between the same pair: number the later ones instead of rejecting them.
      let n = 2;
      while (taken.has(`${connector.id}#${n}`)) n++;
      connector = { ...connector, id: `${connector.id}#${n}` };
    }
    taken.add(connector.id);
    connectors.push(connector);
  });
  return connectors;
}

/** One connector; null when its source or target cannot be read. Missing ids become `source->target`. */
function normaliseConnector(raw: unknown, index: number, issues: GraphIssue[]): { connector: FlowConnector; idGenerated: boolean } | null {
  const at: Path = ["edges", index];
  if (!isJsonObject(raw)) {
    issues.push({ code: "connector_invalid", message: `edges[${index}] must be an object.`, path: at });
    return null;
  }
  const source = graphIdOf(pick(raw, "source", "source_node_id", "sourceNodeId", "source_id")?.value);
  const target = graphIdOf(pick(raw, "target", "target_node_id", "targetNodeId", "target_id")?.value);
  if (source === null) issues.push({ code: "connector_source_invalid", message: `edges[${index}].source_node_id is invalid.`, path: [...at, "source_node_id"] });
  if (target === null) issues.push({ code: "connector_target_invalid", message: `edges[${index}].target_node_id is invalid.`, path: [...at, "target_node_id"] });
  if (source === null || target === null) return null;
  const givenId = graphIdOf(raw.id);
  const id = givenId ?? `${source}->${target}`;
  const connector: Record<string, unknown> = {
    id,
    source,
    target,
    mode: readMode(raw, index, issues),
    conditionKey: readConditionKey(raw, index, issues),
    label: optionalText(raw.label),
  };
  const sourceHandle = optionalText(pick(raw, "sourceHandle", "source_handle_id")?.value);
  const targetHandle = optionalText(pick(raw, "targetHandle", "target_handle_id")?.value);
  if (sourceHandle !== null) connector.sourceHandle = sourceHandle;
  if (targetHandle !== null) connector.targetHandle = targetHandle;
  readControlPoints(raw, index, id, connector, issues);
  return { connector: connector as unknown as FlowConnector, idGenerated: givenId === null };
}

function readMode(raw: Raw, index: number, issues: GraphIssue[]): FlowConnector["mode"] {
  const found = pick(raw, "mode", "edge_mode", "edgeMode");
  const path: Path = ["edges", index, found?.key ?? "edge_mode"];
  if (found === null || found.value === undefined || found.value === null) {
    issues.push({ code: "connector_mode_missing", message: `edges[${index}].edge_mode is required.`, path });
  } else if (typeof found.value === "string" && found.value.trim() === "") {
    issues.push({ code: "connector_mode_missing", message: `edges[${index}].edge_mode is required and must be one of solid, dotted, dashed.`, path });
  } else if (parseConnectorMode(found.value) === null) {
    issues.push({ code: "connector_mode_invalid", message: `edges[${index}].edge_mode must be one of solid, dotted, dashed.`, path });
  }
  return runtimeConnectorMode(found?.value);
}

function readConditionKey(raw: Raw, index: number, issues: GraphIssue[]): string | null {
  const found = pick(raw, "conditionKey", "condition_key");
  if (found === null || found.value === null || found.value === undefined) return null;
  if (typeof found.value !== "string") {
    issues.push({ code: "connector_condition_key_invalid", message: `edges[${index}].condition_key must be a string.`, path: ["edges", index, found.key] });
    return null;
  }
  const key = found.value.trim();
  return key === "" ? null : key;
}

/** Reference shape: `control_points` [{x,y}] + `control_point_style`, or `control_points_json` {points, style}. */
function readControlPoints(raw: Raw, index: number, token: string, out: Record<string, unknown>, issues: GraphIssue[]): void {
  const packed = isJsonObject(raw.control_points_json) ? raw.control_points_json : null;
  const points = pick(raw, "controlPoints", "control_points")?.value ?? packed?.points;
  const style = pick(raw, "controlPointStyle", "control_point_style")?.value ?? packed?.style;
  const isPoint = (p: unknown) => isJsonObject(p) && Number.isFinite(p.x) && Number.isFinite(p.y) && typeof p.x === "number" && typeof p.y === "number";
  if (points !== undefined && points !== null) {
    if (Array.isArray(points) && points.every(isPoint)) out.controlPoints = points.map((p) => ({ x: p.x, y: p.y }));
    else issues.push({ code: "connector_control_points_invalid", message: `edges[${token}].control_points must be a list of {x, y} points.`, connectorId: token, path: ["edges", index, "control_points"] });
  }
  if (style !== undefined && style !== null) {
    if (typeof style === "string") out.controlPointStyle = style;
    else issues.push({ code: "connector_control_style_invalid", message: `edges[${token}].control_point_style must be a string.`, connectorId: token, path: ["edges", index, "control_point_style"] });
  }
}
