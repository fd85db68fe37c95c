/**
 * Flowcharts and their graphs in the store: create, read, list, update, delete, graph save (normalise → decision
 * connector sync → validate; structural problems refuse the save, semantic ones are saved and reported), validation
 * with referenced-row checks, and import of a parsed flow file.
 */
import { ArkError } from "../../errors/index.js";
import type { Queryable, Store } from "../../store/store-port.js";
import {
  FLOW_SCHEMA_VERSION,
  assertValidGraph,
  normaliseGraphPayload,
  syncDecisionConnectors,
  validateGraph,
  validationErrorMessages,
  type DecisionKeyChange,
  type FlowDefinition,
  type FlowGraph,
  type FlowSettings,
  type GraphIssue,
  type GraphValidation,
  type GraphValidationOptions,
  type NodeTypeCapabilityRegistry,
} from "../graph/index.js";
import { DEFAULT_FLOW_SETTINGS, mergeFlowSettings, readFlowSettings } from "./flow-settings.js";
import { isoOrNull, notFound, parseRowId } from "./flow-ids.js";
import { readGraphRows, writeGraphRows } from "./graph-rows.js";

/** A stored flowchart without its graph. */
export interface FlowchartRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly schemaVersion: number;
  readonly settings: FlowSettings;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The verdict on a stored graph, as the API reports it (`errors` are the reference's messages). */
export interface GraphValidationView {
  readonly valid: boolean;
  readonly errors: string[];
  readonly structuralErrors: GraphIssue[];
  readonly semanticErrors: GraphIssue[];
  readonly warnings: GraphIssue[];
}

/** A flowchart's graph with its validation. */
export interface FlowchartGraph {
  readonly flowchartId: string;
  readonly graph: FlowGraph;
  readonly validation: GraphValidationView;
  /** Condition keys the decision connector sync assigned on this save (empty on reads). */
  readonly keyChanges: DecisionKeyChange[];
}

/** What a new flowchart may say; the graph defaults to a lone start node. */
export interface FlowchartInput {
  readonly name: string;
  readonly description?: string | null;
  readonly settings?: unknown;
  readonly schemaVersion?: number;
  readonly graph?: unknown;
}

interface FlowchartRow {
  id: string;
  name: string;
  description: string | null;
  schema_version: number;
  settings: unknown;
  created_at: unknown;
  updated_at: unknown;
}

const COLUMNS = "id, name, description, schema_version, settings, created_at, updated_at";
const ACTIVE = "('queued', 'running', 'pausing', 'paused', 'stopping')";
const DEFAULT_GRAPH: FlowGraph = { nodes: [{ id: "start", type: "start", config: {} }], connectors: [] };

function toRecord(row: FlowchartRow): FlowchartRecord {
  return {
    id: String(row.id), name: row.name, description: row.description, schemaVersion: row.schema_version,
    settings: readFlowSettings(row.settings), createdAt: isoOrNull(row.created_at)!, updatedAt: isoOrNull(row.updated_at)!,
  };
}

/** The validation verdict as the API shows it. */
export function validationView(validation: GraphValidation): GraphValidationView {
  return {
    valid: validation.valid, errors: validationErrorMessages(validation), structuralErrors: validation.structuralErrors,
    semanticErrors: validation.semanticErrors, warnings: validation.warnings,
  };
}

function checkedName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "" || name.trim().length > 255) {
    throw new ArkError("ARK_INVALID_ARGUMENT", "Flowchart name is required and must be at most 255 characters.", { details: { field: "name" } });
  }
  return name.trim();
}

function checkedDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== "string" || description.length > 512) {
    throw new ArkError("ARK_INVALID_ARGUMENT", "Flowchart description must be text of at most 512 characters.", { details: { field: "description" } });
  }
  return description;
}

function checkedSchemaVersion(version: unknown): number {
  if (version === undefined) return FLOW_SCHEMA_VERSION;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1 || version > FLOW_SCHEMA_VERSION) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `schema_version must be an integer from 1 to ${FLOW_SCHEMA_VERSION} (newer definitions need a newer ARK; older ones go through \`ark migrate\`).`, {
      details: { field: "schema_version", value: version },
    });
  }
  return version;
}

/**
 * Flowchart rows and graphs. `capabilities` gives the node-type registry (built-ins plus plugin types), `configProblems`
 * checks node configs against their type's configSchema (semantic errors, like every other type-specific rule).
 */
export class FlowchartRepository {
  constructor(
    private readonly store: Store,
    private readonly capabilities: () => NodeTypeCapabilityRegistry | undefined = () => undefined,
    readonly configProblems?: GraphValidationOptions["configProblems"],
  ) {}

  /** Creates a flowchart (and its graph, default: a lone start node). Structural graph errors refuse the whole create. */
  async create(input: FlowchartInput): Promise<FlowchartRecord & { graph: FlowchartGraph }> {
    const name = checkedName(input.name);
    const description = checkedDescription(input.description);
    const settings = mergeFlowSettings(DEFAULT_FLOW_SETTINGS, input.settings);
    const schemaVersion = checkedSchemaVersion(input.schemaVersion);
    const prepared = input.graph === undefined ? this.prepareGraph(DEFAULT_GRAPH, true) : this.prepareGraph(input.graph, false);
    return this.store.transaction(async (tx) => {
      const { rows } = await tx.query<FlowchartRow>(
        `INSERT INTO ark_flowcharts (name, description, schema_version, settings) VALUES ($1, $2, $3, $4::jsonb) RETURNING ${COLUMNS}`,
        [name, description, schemaVersion, JSON.stringify(settings)],
      );
      const record = toRecord(rows[0]!);
      await writeGraphRows(tx, record.id, prepared.graph);
      return { ...record, graph: { ...prepared, flowchartId: record.id } };
    });
  }

  /** The flowchart, or ARK_NOT_FOUND. */
  async get(id: unknown, db: Queryable = this.store): Promise<FlowchartRecord> {
    const flowchartId = parseRowId(id, "flowchart_id");
    const { rows } = await db.query<FlowchartRow>(`SELECT ${COLUMNS} FROM ark_flowcharts WHERE id = $1`, [flowchartId]);
    if (!rows[0]) throw notFound("Flowchart", flowchartId);
    return toRecord(rows[0]);
  }

  /** Flowcharts, newest first. */
  async list(options: { limit?: number; offset?: number } = {}): Promise<{ items: FlowchartRecord[]; total: number }> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
    const offset = Math.max(Math.trunc(options.offset ?? 0), 0);
    const { rows } = await this.store.query<FlowchartRow>(`SELECT ${COLUMNS} FROM ark_flowcharts ORDER BY id DESC LIMIT $1 OFFSET $2`, [limit, offset]);
    const total = await this.store.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flowcharts");
    return { items: rows.map(toRecord), total: Number(total.rows[0]?.n ?? 0) };
  }

  /** Changes name, description and/or settings (settings are merged key by key). */
  async update(id: unknown, patch: { name?: unknown; description?: unknown; settings?: unknown }): Promise<FlowchartRecord> {
    const current = await this.get(id);
    const name = patch.name === undefined ? current.name : checkedName(patch.name);
    const description = patch.description === undefined ? current.description : checkedDescription(patch.description);
    const settings = mergeFlowSettings(current.settings, patch.settings);
    const { rows } = await this.store.query<FlowchartRow>(
      `UPDATE ark_flowcharts SET name = $2, description = $3, settings = $4::jsonb, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [current.id, name, description, JSON.stringify(settings)],
    );
    if (!rows[0]) throw notFound("Flowchart", current.id);
    return toRecord(rows[0]);
  }

  /** Deletes a flowchart with its runs and artifacts; refused (ARK_FLOW_RUN_ACTIVE) while a run of it is active. */
  async delete(id: unknown): Promise<void> {
    const flowchartId = parseRowId(id, "flowchart_id");
    await this.store.transaction(async (tx) => {
      const { rows } = await tx.query("SELECT id FROM ark_flowcharts WHERE id = $1 FOR UPDATE", [flowchartId]);
      if (rows.length === 0) throw notFound("Flowchart", flowchartId);
      const active = await tx.query<{ id: string }>(`SELECT id FROM ark_flow_runs WHERE flowchart_id = $1 AND status IN ${ACTIVE} ORDER BY id`, [flowchartId]);
      if (active.rows.length > 0) {
        const activeRunIds = active.rows.map((r) => String(r.id));
        throw new ArkError("ARK_FLOW_RUN_ACTIVE", `Flowchart ${flowchartId} has active runs (${activeRunIds.join(", ")}); cancel them before deleting it.`, {
          details: { flowchartId, activeRunIds },
        });
      }
      await tx.query("DELETE FROM ark_flowcharts WHERE id = $1", [flowchartId]);
    });
  }

  /** The stored graph and its validation (referenced rows checked, as before a run). */
  async getGraph(id: unknown, db: Queryable = this.store, record?: FlowchartRecord): Promise<FlowchartGraph> {
    // A caller that just read the flowchart passes it, which saves reading it again.
    const { id: flowchartId } = record ?? (await this.get(id, db));
    const graph = await readGraphRows(db, flowchartId);
    return { flowchartId, graph, validation: validationView(await this.validateStored(db, graph)), keyChanges: [] };
  }

  /**
   * Replaces the graph. Structural problems → ARK_FLOW_GRAPH_INVALID and nothing written; semantic problems are saved
   * and come back in `validation` (a run of the graph is refused until they are fixed).
   */
  async saveGraph(id: unknown, payload: unknown): Promise<FlowchartGraph> {
    const prepared = this.prepareGraph(payload, false);
    return this.store.transaction(async (tx) => {
      const { id: flowchartId } = await this.get(id, tx);
      await writeGraphRows(tx, flowchartId, prepared.graph);
      await tx.query("UPDATE ark_flowcharts SET updated_at = now() WHERE id = $1", [flowchartId]);
      const validation = validationView(await this.validateStored(tx, prepared.graph));
      return { flowchartId, graph: prepared.graph, validation, keyChanges: prepared.keyChanges };
    });
  }

  /** Creates (or, with `flowchartId`, replaces) a flowchart from a parsed flow file. */
  async importDefinition(definition: FlowDefinition, options: { flowchartId?: unknown } = {}): Promise<FlowchartRecord & { graph: FlowchartGraph }> {
    const payload = { nodes: definition.graph.nodes, connectors: definition.graph.connectors };
    if (options.flowchartId === undefined) {
      return this.create({ name: definition.name, description: definition.description, settings: definition.settings, schemaVersion: definition.schemaVersion, graph: payload });
    }
    const schemaVersion = checkedSchemaVersion(definition.schemaVersion);
    const record = await this.update(options.flowchartId, { name: definition.name, description: definition.description, settings: definition.settings });
    const graph = await this.saveGraph(record.id, payload);
    // The file replaces the whole definition, so its format version replaces the stored one (runs keep their own).
    await this.store.query("UPDATE ark_flowcharts SET schema_version = $2 WHERE id = $1", [record.id, schemaVersion]);
    return { ...(await this.get(record.id)), graph };
  }

  /** Validation with rule 14: every flowchart a `flowchart` node points at must exist. */
  async validateStored(db: Queryable, graph: FlowGraph): Promise<GraphValidation> {
    const refs = graph.nodes.filter((n) => n.type === "flowchart" && typeof n.refId === "number").map((n) => String(n.refId));
    const existing = new Set<string>();
    if (refs.length > 0) {
      const { rows } = await db.query<{ id: string }>("SELECT id::text AS id FROM ark_flowcharts WHERE id = ANY($1::bigint[])", [refs]);
      for (const row of rows) existing.add(row.id);
    }
    const refExists = (nodeType: string, refId: number) => nodeType !== "flowchart" || existing.has(String(refId));
    return validateGraph(graph, { registry: this.capabilities(), refExists, configProblems: this.configProblems });
  }

  private prepareGraph(payload: unknown, trusted: boolean): { graph: FlowGraph; validation: GraphValidationView; keyChanges: DecisionKeyChange[] } {
    const registry = this.capabilities();
    const { graph: raw, issues } = trusted ? { graph: payload as FlowGraph, issues: [] } : normaliseGraphPayload(payload);
    const { graph, changes } = syncDecisionConnectors(raw, registry);
    const result = validateGraph(graph, { registry, configProblems: this.configProblems });
    const validation: GraphValidation = { ...result, valid: result.valid && issues.length === 0, structuralErrors: [...issues, ...result.structuralErrors] };
    if (validation.structuralErrors.length > 0) assertValidGraph({ ...validation, semanticErrors: [] }, "Flowchart graph");
    return { graph, validation: validationView(validation), keyChanges: changes };
  }
}
