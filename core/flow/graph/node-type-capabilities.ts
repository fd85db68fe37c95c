/**
 * What each node type may be and do, as data (orchestration-and-events §2.1): ref policy, bindings, outgoing limits,
 * routing by condition key, fan-in. The graph validator reads only this table, so a node type contributed by a plugin
 * (`NodeTypeContribution.capabilities`) is validated exactly like a built-in one.
 */
import { ArkError } from "../../errors/index.js";
import type { NodeTypeContribution, Owned } from "../../plugin-api/contributions.js";

/** Whether a node of this type points at another row through `ref_id`. */
export type RefPolicy = "forbidden" | "optional" | "required";

/** The capability record of one node type. */
export interface NodeTypeCapabilities {
  readonly type: string;
  /** Delivered by the kernel itself (start, end, decision, flowchart); plugins cannot change these. */
  readonly builtIn: boolean;
  readonly ref: RefPolicy;
  /** The API creates the referenced row when the node has none (plan, milestone, memory). */
  readonly autoCreatesRef: boolean;
  readonly model: boolean;
  readonly mcp: boolean;
  readonly scripts: boolean;
  readonly skills: boolean;
  readonly attachments: boolean;
  /** Needs the system-managed MCP server bound (the reference's memory node). */
  readonly requiresSystemMcp: boolean;
  /** Config keys that must be non-blank (the reference's task node: `task_prompt`). */
  readonly requiredConfigKeys: readonly string[];
  /** Most outgoing connectors allowed (any mode); null = unlimited. End nodes: 0. */
  readonly maxOutgoing: number | null;
  /** Routes through condition keys on its solid connectors (decision semantics, §6 and §2.3 rules 8 and 12). */
  readonly routesByConditionKey: boolean;
  /** Gates on its solid parents with `fan_in_mode` (§5.2). Start nodes do not: reaching Start queues a new run. */
  readonly fanIn: boolean;
}

/** Node types the kernel delivers (issue 4); the other reference types arrive as plugins. */
export const BUILT_IN_NODE_TYPES = ["start", "end", "decision", "flowchart"] as const;

type Row = Omit<NodeTypeCapabilities, "type" | "builtIn">;

const none = { model: false, mcp: false, scripts: false, skills: false, attachments: false };
const all = { model: true, mcp: true, scripts: true, skills: true, attachments: true };
const plain = { autoCreatesRef: false, requiresSystemMcp: false, requiredConfigKeys: [], maxOutgoing: null, routesByConditionKey: false, fanIn: true };

/** The reference's table (§2.1) for its nine node types, used as defaults when a plugin contributes one of them. */
export const REFERENCE_NODE_TYPE_CAPABILITIES: Readonly<Record<string, Row>> = {
  start: { ...plain, ...none, ref: "forbidden", fanIn: false },
  end: { ...plain, ...none, ref: "forbidden", maxOutgoing: 0 },
  flowchart: { ...plain, ...none, ref: "required", model: true, attachments: true },
  task: { ...plain, ...all, ref: "forbidden", requiredConfigKeys: ["task_prompt"] },
  plan: { ...plain, ...all, ref: "required", autoCreatesRef: true },
  milestone: { ...plain, ...all, ref: "required", autoCreatesRef: true },
  memory: { ...plain, ...all, ref: "optional", autoCreatesRef: true, requiresSystemMcp: true },
  decision: { ...plain, ...none, ref: "forbidden", model: true, attachments: true, routesByConditionKey: true },
  rag: { ...plain, ...none, ref: "forbidden", model: true, attachments: true },
};

/** A plugin type that is not one of the reference's: no ref, no bindings but attachments, no limits. */
const GENERIC_ROW: Row = { ...plain, ...none, ref: "forbidden", attachments: true };

/** Looks up node types for the validator and the orchestrator. */
export interface NodeTypeCapabilityRegistry {
  get(type: string): NodeTypeCapabilities | undefined;
  has(type: string): boolean;
  /** Known types, sorted. */
  types(): string[];
}

const BOOLEAN_KEYS = ["autoCreatesRef", "model", "mcp", "scripts", "skills", "attachments", "requiresSystemMcp", "routesByConditionKey", "fanIn"] as const;
const ACCEPTED_KEYS = new Set<string>([...BOOLEAN_KEYS, "ref", "requiresRef", "allowsRef", "requiredConfigKeys", "maxOutgoing"]);

/** Built-in types plus every contributed type; throws ARK_FLOW_NODE_TYPE_INVALID for unknown or mistyped capability keys. */
export function createNodeTypeCapabilityRegistry(
  contributions: Iterable<NodeTypeContribution | Owned<NodeTypeContribution>> = [],
): NodeTypeCapabilityRegistry {
  const table = new Map<string, NodeTypeCapabilities>();
  for (const type of BUILT_IN_NODE_TYPES) table.set(type, { type, builtIn: true, ...REFERENCE_NODE_TYPE_CAPABILITIES[type]! });
  for (const entry of contributions) {
    const { contribution, pluginId } = "value" in entry ? { contribution: entry.value, pluginId: entry.pluginId } : { contribution: entry, pluginId: null };
    const caps = capabilitiesFromContribution(contribution, pluginId);
    const existing = table.get(caps.type);
    if (existing?.builtIn) {
      if (contribution.capabilities !== undefined && !sameCapabilities(existing, caps)) {
        throw invalid(pluginId, caps.type, `node type '${caps.type}' is built in; its capabilities cannot be changed (leave \`capabilities\` out).`);
      }
      continue;
    }
    table.set(caps.type, caps);
  }
  return {
    get: (type) => table.get(type),
    has: (type) => table.has(type),
    types: () => [...table.keys()].sort(),
  };
}

/** The capabilities a contribution declares, over the reference row for its type (or the generic row). */
export function capabilitiesFromContribution(contribution: NodeTypeContribution, pluginId: string | null = null): NodeTypeCapabilities {
  const type = typeof contribution.type === "string" ? contribution.type.trim().toLowerCase() : "";
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(type)) {
    throw invalid(pluginId, String(contribution.type), "a node type is 1-32 characters: a lower-case letter, then letters, digits, '_' or '-'.");
  }
  const row: Record<string, unknown> = { ...(REFERENCE_NODE_TYPE_CAPABILITIES[type] ?? GENERIC_ROW) };
  const declared = contribution.capabilities ?? {};
  for (const [key, value] of Object.entries(declared)) {
    if (!ACCEPTED_KEYS.has(key)) throw invalid(pluginId, type, `unknown capability '${key}' (known: ${[...ACCEPTED_KEYS].sort().join(", ")}).`);
    row[key] = checkedValue(pluginId, type, key, value);
  }
  if (declared.requiresRef === true) row.ref = "required";
  else if (declared.allowsRef === true && declared.ref === undefined) row.ref = "optional";
  delete row.requiresRef;
  delete row.allowsRef;
  return { type, builtIn: false, ...(row as Row) };
}

function checkedValue(pluginId: string | null, type: string, key: string, value: unknown): unknown {
  const fail = (expected: string) => invalid(pluginId, type, `capability '${key}' must be ${expected}.`);
  if (key === "ref") {
    if (value !== "forbidden" && value !== "optional" && value !== "required") throw fail("one of: forbidden, optional, required");
    return value;
  }
  if (key === "maxOutgoing") {
    if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0)) throw fail("a non-negative integer or null");
    return value;
  }
  if (key === "requiredConfigKeys") {
    if (!Array.isArray(value) || !value.every((k) => typeof k === "string" && k.trim() !== "")) throw fail("an array of config key names");
    return [...value];
  }
  if (typeof value !== "boolean") throw fail("true or false");
  return value;
}

function sameCapabilities(a: NodeTypeCapabilities, b: NodeTypeCapabilities): boolean {
  const canonical = (caps: NodeTypeCapabilities) =>
    JSON.stringify(Object.entries({ ...caps, builtIn: false }).sort(([x], [y]) => (x < y ? -1 : 1)));
  return canonical(a) === canonical(b);
}

function invalid(pluginId: string | null, type: string, problem: string): ArkError {
  const owner = pluginId === null ? "" : ` from plugin '${pluginId}'`;
  return new ArkError("ARK_FLOW_NODE_TYPE_INVALID", `Node type '${type}'${owner}: ${problem}`, { details: { pluginId, type } });
}
