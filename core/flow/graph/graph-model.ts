/**
 * The flowchart graph as ARK holds it in memory: nodes and connectors with string ids, connector modes
 * `solid|dotted|dashed` (orchestration-and-events §1.2, §1.3, §2.2). Everything here is plain data, so a graph can be
 * stored as JSON, compared, and handed to the pure semantics in this folder.
 */

/** How a connector carries data: solid = trigger + context + attachments, dotted = context only, dashed = attachments only. */
export type ConnectorMode = "solid" | "dotted" | "dashed";

/** The three connector modes, in the order messages list them. */
export const CONNECTOR_MODES: readonly ConnectorMode[] = ["solid", "dotted", "dashed"];

/**
 * The flowchart definition format version this ARK writes: 2, ARK's native format. Version 1 is the pre-migration
 * format (the predecessor's semantics: `ark flows import --legacy`, or a flow file saying `schema_version: 1`); the
 * engine still runs it as stored, and `ark migrate` (plugin `migrations-runtime`, step 1 → 2) brings it to 2.
 */
export const FLOW_SCHEMA_VERSION = 2;

/** The largest max_runtime_minutes / max_parallel_nodes: the engine's SQL reads them as PostgreSQL `integer`s. */
export const MAX_FLOW_SETTING = 2_147_483_647;

/** One node of a flowchart. */
export interface FlowNode {
  readonly id: string;
  /** Lower-case node type, e.g. `start`, `decision`, or a plugin's type. */
  readonly type: string;
  /** Row the node points at (target flowchart, plan, milestone, memory), when its type takes one. */
  readonly refId?: number | null;
  readonly title?: string | null;
  readonly config: Record<string, unknown>;
  readonly position?: { readonly x: number; readonly y: number } | null;
  /** Bindings the capability table governs (§2.1); absent or empty means none. */
  readonly modelId?: string | number | null;
  readonly mcpServerIds?: readonly (string | number)[];
  readonly scriptIds?: readonly (string | number)[];
  readonly skillIds?: readonly (string | number)[];
  readonly attachmentIds?: readonly (string | number)[];
}

/** One directed connector between two nodes. */
export interface FlowConnector {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly mode: ConnectorMode;
  /** Decision routing key (trimmed, never empty; null when absent). */
  readonly conditionKey?: string | null;
  readonly label?: string | null;
  readonly sourceHandle?: string | null;
  readonly targetHandle?: string | null;
  readonly controlPoints?: readonly { readonly x: number; readonly y: number }[] | null;
  readonly controlPointStyle?: string | null;
}

/**
 * Nodes and connectors. Connector order is meaningful: it is the order of fan-out and of decision routes (the
 * reference sorted edges by integer id; ARK keeps the order the graph lists them in, and stores it).
 */
export interface FlowGraph {
  readonly nodes: readonly FlowNode[];
  readonly connectors: readonly FlowConnector[];
}

/** A problem found in a graph: a stable snake_case code, the message the reference shows, and where it is. */
export interface GraphIssue {
  readonly code: string;
  readonly message: string;
  readonly nodeId?: string;
  readonly connectorId?: string;
  /** Path into the raw payload (e.g. ["edges", 3, "edge_mode"]) when the issue came from normalising one. */
  readonly path?: readonly (string | number)[];
}

/** Strict mode parse (save time): trimmed, lower-cased, one of the three modes; null for anything else. */
export function parseConnectorMode(value: unknown): ConnectorMode | null {
  if (typeof value !== "string") return null;
  const cleaned = value.trim().toLowerCase();
  return (CONNECTOR_MODES as readonly string[]).includes(cleaned) ? (cleaned as ConnectorMode) : null;
}

/** The reference's runtime normalisation (§2.2): dashed and dotted stay, anything else (blank, unknown) is solid. */
export function runtimeConnectorMode(value: unknown): ConnectorMode {
  return parseConnectorMode(value) ?? "solid";
}

/** A node or connector id from the wire: strings are trimmed, integers stringified; null when neither. */
export function graphIdOf(value: unknown): string | null {
  if (typeof value === "string") {
    const cleaned = value.trim();
    return cleaned === "" ? null : cleaned;
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** A connector's condition key, trimmed; null when absent or blank. */
export function conditionKeyOf(connector: Pick<FlowConnector, "conditionKey">): string | null {
  const key = typeof connector.conditionKey === "string" ? connector.conditionKey.trim() : "";
  return key === "" ? null : key;
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

/** Orders ids the way people read them: "2" before "10", "n2" before "n10"; ties broken by code units. */
export function compareGraphIds(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Sorted, de-duplicated ids (compareGraphIds order). */
export function sortedUniqueIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareGraphIds);
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
