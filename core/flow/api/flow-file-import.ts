/**
 * Importing a flow file (YAML or JSON text) into the store, shared by `POST /api/flowcharts/import` and
 * `ark flows import` / `ark run FILE`. A file with any error — YAML syntax, file schema, graph rule, a `flowchart`
 * node pointing at a flowchart that does not exist — is refused whole (ARK_FLOW_FILE_INVALID, every problem with
 * file:line:col), so nothing is written. A valid file creates a flowchart, or replaces one: the one named by id, or
 * (with `matchName`) the newest flowchart of the same name. Replacing keeps the id; runs already started keep the
 * graph they snapshotted.
 */
import type { Queryable } from "../../store/store-port.js";
import type { FlowEngine } from "../engine/flow-engine.js";
import {
  createNodeTypeCapabilityRegistry,
  flowFileInvalidError,
  parseFlowFile,
  type FlowFileIssue,
  type FlowFileResult,
  type GraphValidationOptions,
  type NodeTypeCapabilityRegistry,
} from "../graph/index.js";
import type { FlowchartGraph, FlowchartRecord } from "../store/flowchart-repository.js";
import type { ContributionRegistries } from "../../plugin-api/registries-port.js";

/** What an import needs: the engine, a connection for name and reference look-ups, and the node-type registry. */
export interface FlowImportContext {
  readonly engine: FlowEngine;
  readonly db: Queryable;
  readonly registry: NodeTypeCapabilityRegistry;
  /** Node configs against their type's configSchema; default (importFlowText): the engine's. */
  readonly configProblems?: GraphValidationOptions["configProblems"];
}

/** Which flowchart an import writes to. */
export interface FlowImportOptions {
  /** Replace this flowchart (ARK_NOT_FOUND when it does not exist). */
  readonly flowchartId?: string;
  /** Without an id: replace the newest flowchart with the file's name instead of creating another. */
  readonly matchName?: boolean;
}

/** What an import did. */
export interface FlowImportResult {
  readonly flowchart: FlowchartRecord;
  readonly graph: FlowchartGraph;
  readonly action: "created" | "updated";
  /** Warnings of the file (joins that may never fire, ...), positioned like errors; they never block. */
  readonly warnings: FlowFileIssue[];
}

/** The node-type capability registry of a kernel (built-ins plus every plugin's node types). */
export function nodeTypeRegistryOf(registries: ContributionRegistries): NodeTypeCapabilityRegistry {
  return createNodeTypeCapabilityRegistry(registries.nodeTypes.entries());
}

/** Parses a flow file with the kernel's node types and rule 14 (referenced flowcharts exist); never writes. */
export async function checkFlowText(context: Omit<FlowImportContext, "engine">, text: string, fileName: string): Promise<FlowFileResult> {
  const { registry, configProblems } = context;
  const first = parseFlowFile(text, fileName, { registry, configProblems });
  if (!first.definition) return first;
  const refs = first.definition.graph.nodes.filter((n) => n.type === "flowchart" && typeof n.refId === "number").map((n) => String(n.refId));
  if (refs.length === 0) return first;
  const { rows } = await context.db.query<{ id: string }>("SELECT id::text AS id FROM ark_flowcharts WHERE id = ANY($1::bigint[])", [refs]);
  const existing = new Set(rows.map((r) => r.id));
  return parseFlowFile(text, fileName, { registry, configProblems, refExists: (type, refId) => type !== "flowchart" || existing.has(String(refId)) });
}

/** Imports a flow file's text; ARK_FLOW_FILE_INVALID (nothing written) when it has any error. */
export async function importFlowText(context: FlowImportContext, text: string, fileName: string, options: FlowImportOptions = {}): Promise<FlowImportResult> {
  const parsed = await checkFlowText({ ...context, configProblems: context.configProblems ?? context.engine.flowcharts.configProblems }, text, fileName);
  if (!parsed.ok || !parsed.definition) throw flowFileInvalidError(parsed);
  const definition = parsed.definition;
  let target = options.flowchartId;
  if (target !== undefined) await context.engine.flowcharts.get(target);
  else if (options.matchName) target = await newestNamed(context.db, definition.name);
  const imported = await context.engine.flowcharts.importDefinition(definition, target === undefined ? {} : { flowchartId: target });
  const { graph, ...flowchart } = imported;
  return { flowchart, graph, action: target === undefined ? "created" : "updated", warnings: parsed.warnings };
}

async function newestNamed(db: Queryable, name: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>("SELECT id::text AS id FROM ark_flowcharts WHERE name = $1 ORDER BY id DESC LIMIT 1", [name]);
  return rows[0]?.id;
}
