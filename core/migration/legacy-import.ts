/**
 * `ark flows import --legacy FILE`: flowchart exports of the reference system (nodes with `config_json`, edges with
 * `edge_mode` / `condition_key`) stored as they are, at schema version 1 — no decision sync, no validation — so that
 * `ark migrate` has the real legacy data to transform, judge and prove. The snapshot rules of §6.1 apply on the way
 * in (invalid config JSON → {}, unknown edge mode → solid, blank condition key → null), each reported as a warning.
 * All flowcharts of a file are written in one transaction; any structural problem refuses the whole file.
 */
import { TOO_DEEP_MESSAGE, isTooDeep } from "../contracts/nesting-depth.js";
import { unstorableTextIn } from "../contracts/unstorable-text.js";
import { ArkError } from "../errors/index.js";
import { compareGraphIds, graphIdOf, isJsonObject, parseConnectorMode, type ConnectorMode, type FlowConnector, type FlowGraph, type FlowNode } from "../flow/graph/index.js";
import { writeGraphRows } from "../flow/store/graph-rows.js";
import type { Store } from "../store/store-port.js";

/** The schema version legacy flowcharts are stored at. */
export const LEGACY_SCHEMA_VERSION = 1;

/** One imported flowchart. */
export interface LegacyImported {
  readonly legacyId: string | null;
  readonly flowchartId: string;
  readonly name: string;
  readonly nodes: number;
  readonly edges: number;
}

/** The import's result. */
export interface LegacyImportResult {
  readonly flowcharts: LegacyImported[];
  readonly warnings: string[];
}

interface Parsed {
  legacyId: string | null;
  name: string;
  description: string | null;
  graph: FlowGraph;
}

type Problems = string[];

function idList(value: unknown): (string | number)[] {
  return Array.isArray(value) ? value.filter((v): v is string | number => typeof v === "number" || typeof v === "string") : [];
}

/**
 * Refuses the values of `fields` (legacy field name → the value ARK would store) that the store cannot take: a NUL
 * character (PostgreSQL text and jsonb refuse it, naming no field), a lone UTF-16 surrogate (the driver would store
 * U+FFFD in its place, so the flow would silently differ from the export) or nesting beyond MAX_VALUE_DEPTH (it overflows the
 * stack on the way to the database). Each problem names where it is, like every other problem of the export.
 */
function refuseUnstorable(where: string, fields: Record<string, unknown>, problems: Problems): void {
  for (const [field, value] of Object.entries(fields)) {
    if (isTooDeep(value)) {
      problems.push(`${where}.${field} ${TOO_DEEP_MESSAGE}.`);
      continue;
    }
    for (const { pointer, message } of unstorableTextIn(value)) problems.push(`${where}.${field}${pointer === "" ? "" : ` at ${JSON.stringify(pointer)}`} ${message}.`);
  }
}

function parseConfig(raw: Record<string, unknown>, where: string, warnings: string[]): Record<string, unknown> {
  if (isJsonObject(raw.config)) return raw.config;
  if (typeof raw.config_json !== "string" || raw.config_json.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(raw.config_json);
    if (isJsonObject(value)) return value;
  } catch {
    // fall through: the reference's snapshot reads invalid config JSON as {}
  }
  warnings.push(`${where}.config_json is not a JSON object; stored as {}.`);
  return {};
}

function parseNode(raw: unknown, where: string, problems: Problems, warnings: string[]): FlowNode | null {
  if (!isJsonObject(raw)) return problems.push(`${where} must be an object.`), null;
  const id = graphIdOf(raw.id);
  const type = typeof raw.node_type === "string" ? raw.node_type.trim().toLowerCase() : "";
  if (id === null || id.length > 128) problems.push(`${where}.id must be an integer or a string of 1 to 128 characters.`);
  if (type === "" || type.length > 32) problems.push(`${where}.node_type must be a string of 1 to 32 characters.`);
  if (id === null || type === "" || type.length > 32) return null;
  const refId = typeof raw.ref_id === "number" && Number.isSafeInteger(raw.ref_id) ? raw.ref_id : null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : Number(v) || 0);
  const node: FlowNode = {
    id, type, refId, title: typeof raw.title === "string" ? raw.title : null, config: parseConfig(raw, where, warnings),
    position: { x: num(raw.x), y: num(raw.y) },
    ...(raw.model_id === null || raw.model_id === undefined ? {} : { modelId: raw.model_id as string | number }),
    mcpServerIds: idList(raw.mcp_server_ids), scriptIds: idList(raw.script_ids), skillIds: idList(raw.skill_ids), attachmentIds: idList(raw.attachment_ids),
  };
  refuseUnstorable(where, {
    id, node_type: type, title: node.title, [isJsonObject(raw.config) ? "config" : "config_json"]: node.config, model_id: node.modelId,
    mcp_server_ids: node.mcpServerIds, script_ids: node.scriptIds, skill_ids: node.skillIds, attachment_ids: node.attachmentIds,
  }, problems);
  return node;
}

function parseEdge(raw: unknown, where: string, nodeIds: ReadonlySet<string>, problems: Problems, warnings: string[]): FlowConnector | null {
  if (!isJsonObject(raw)) return problems.push(`${where} must be an object.`), null;
  const id = graphIdOf(raw.id);
  const source = graphIdOf(raw.source_node_id);
  const target = graphIdOf(raw.target_node_id);
  if (id === null) problems.push(`${where}.id is required.`);
  for (const [field, value] of [["source_node_id", source], ["target_node_id", target]] as const) {
    if (value === null || !nodeIds.has(value)) problems.push(`${where}.${field} ${value === null ? "is required" : `names node ${value}, which is not in the export`}.`);
  }
  if (id === null || source === null || target === null) return null;
  let mode: ConnectorMode | null = parseConnectorMode(raw.edge_mode);
  if (mode === null) {
    if (raw.edge_mode !== undefined && raw.edge_mode !== null && raw.edge_mode !== "") warnings.push(`${where}.edge_mode ${JSON.stringify(raw.edge_mode)} is not solid|dotted|dashed; stored as solid.`);
    mode = "solid";
  }
  const key = typeof raw.condition_key === "string" ? raw.condition_key.trim() : "";
  if (key.length > 128) problems.push(`${where}.condition_key is longer than 128 characters.`);
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  // source_node_id and target_node_id name nodes, whose ids are checked with their node.
  refuseUnstorable(where, { id, condition_key: key, label: text(raw.label), source_handle_id: text(raw.source_handle_id), target_handle_id: text(raw.target_handle_id) }, problems);
  return {
    id, source, target, mode, conditionKey: key === "" ? null : key, label: text(raw.label),
    ...(text(raw.source_handle_id) ? { sourceHandle: text(raw.source_handle_id) } : {}),
    ...(text(raw.target_handle_id) ? { targetHandle: text(raw.target_handle_id) } : {}),
  };
}

function duplicates(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}

function parseExport(raw: unknown, where: string, problems: Problems, warnings: string[]): Parsed | null {
  if (!isJsonObject(raw) || !Array.isArray(raw.nodes)) return problems.push(`${where} must be an object with a nodes array (and an edges array).`), null;
  const meta = isJsonObject(raw.flowchart) ? raw.flowchart : raw;
  const legacyId = graphIdOf(meta.id);
  const nameText = typeof meta.name === "string" ? meta.name.trim() : "";
  const name = nameText === "" ? `Flowchart ${legacyId ?? "(legacy)"}` : nameText;
  if (name.length > 255) problems.push(`${where}.name is longer than 255 characters.`);
  const description = typeof meta.description === "string" && meta.description !== "" ? meta.description : null;
  if (description !== null && description.length > 512) problems.push(`${where}.description is longer than 512 characters.`);
  refuseUnstorable(where, { name, description }, problems);
  const nodes = raw.nodes.map((n, i) => parseNode(n, `${where}.nodes[${i}]`, problems, warnings)).filter((n): n is FlowNode => n !== null);
  for (const id of duplicates(nodes.map((n) => n.id))) problems.push(`${where}: node id ${id} appears more than once.`);
  const nodeIds = new Set(nodes.map((n) => n.id));
  const rawEdges = Array.isArray(raw.edges) ? raw.edges : [];
  const edges = rawEdges.map((e, i) => parseEdge(e, `${where}.edges[${i}]`, nodeIds, problems, warnings)).filter((e): e is FlowConnector => e !== null);
  for (const id of duplicates(edges.map((e) => e.id))) problems.push(`${where}: edge id ${id} appears more than once.`);
  // The reference orders a snapshot by integer id; stored order is what ARK's snapshot (and routing) follows.
  const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => compareGraphIds(a.id, b.id));
  return { legacyId, name, description, graph: { nodes: byId(nodes), connectors: byId(edges) } };
}

/** Parses an export document: one flowchart, `{flowcharts: [...]}` or an array; ARK_FLOW_LEGACY_INVALID with every problem. */
export function parseLegacyExport(document: unknown, file = "export"): { flowcharts: Parsed[]; warnings: string[] } {
  const list = Array.isArray(document) ? document : isJsonObject(document) && Array.isArray(document.flowcharts) ? document.flowcharts : [document];
  const problems: Problems = [];
  const warnings: string[] = [];
  const single = list.length === 1 && list[0] === document;
  const flowcharts = list.map((raw, i) => parseExport(raw, single ? file : `${file}[${i}]`, problems, warnings));
  if (list.length === 0) problems.push(`${file} holds no flowcharts.`);
  if (problems.length > 0) {
    throw new ArkError("ARK_FLOW_LEGACY_INVALID", `${file} is not a legacy flowchart export (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`, { details: { file, problems } });
  }
  return { flowcharts: flowcharts as Parsed[], warnings };
}

/** Rewrites flowchart-node refs that point at legacy ids imported in the same file to their new ids. */
function remapRefs(graph: FlowGraph, newIds: ReadonlyMap<string, string>): FlowGraph {
  const nodes = graph.nodes.map((n) => {
    const mapped = n.type === "flowchart" && typeof n.refId === "number" ? newIds.get(String(n.refId)) : undefined;
    return mapped === undefined ? n : { ...n, refId: Number(mapped) };
  });
  return { nodes, connectors: graph.connectors };
}

/** Stores every flowchart of a parsed export at schema version 1, in one transaction. */
export async function importLegacyExport(store: Store, document: unknown, file?: string): Promise<LegacyImportResult> {
  const { flowcharts, warnings } = parseLegacyExport(document, file);
  const imported = await store.transaction(async (tx) => {
    const newIds = new Map<string, string>();
    const out: LegacyImported[] = [];
    for (const flow of flowcharts) {
      const { rows } = await tx.query<{ id: string }>(
        "INSERT INTO ark_flowcharts (name, description, schema_version, settings) VALUES ($1, $2, $3, '{}'::jsonb) RETURNING id::text AS id",
        [flow.name, flow.description, LEGACY_SCHEMA_VERSION],
      );
      const flowchartId = rows[0]!.id;
      if (flow.legacyId !== null) newIds.set(flow.legacyId, flowchartId);
      out.push({ legacyId: flow.legacyId, flowchartId, name: flow.name, nodes: flow.graph.nodes.length, edges: flow.graph.connectors.length });
    }
    for (const [i, flow] of flowcharts.entries()) await writeGraphRows(tx, out[i]!.flowchartId, remapRefs(flow.graph, newIds));
    return out;
  });
  return { flowcharts: imported, warnings };
}
