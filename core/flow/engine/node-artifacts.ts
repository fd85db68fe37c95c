/**
 * Node artifacts (reference §12): one per succeeded node run, payload shaped per type and validated before insert (a
 * violation is a persistence failure), request/correlation ids resolved along §12.3's chain, retention applied to the
 * node's history right after the insert. Fixes: no phantom `ref_id: 1` (Q1); a `max_count` prune never deletes an
 * artifact written with `forever` (Q14); expired artifacts are also swept periodically, not only on the next write.
 */
import { validateArtifactPayload } from "../../contracts/index.js";
import { ArkError } from "../../errors/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import type { FlowNode } from "../graph/index.js";
import { isoOrNull } from "../store/flow-ids.js";
import type { FlowRun, NodeRun } from "./engine-types.js";

/** The largest retention ttl (seconds) and count: both reach SQL as PostgreSQL integers. */
const MAX_RETENTION = 2_147_483_647;

/** Retention modes (§12.4). */
export type RetentionMode = "forever" | "ttl" | "max_count" | "ttl_max_count";

/** A node's artifact retention, read from its config with the reference's defaults (ttl 3600 s, max 25). */
export function retentionOf(config: Readonly<Record<string, unknown>>): { mode: RetentionMode; ttlSeconds: number; maxCount: number } {
  const raw = String(config.retention_mode ?? "").trim().toLowerCase();
  const mode: RetentionMode = ["forever", "none", "disabled"].includes(raw)
    ? "forever"
    : ["max", "max_count"].includes(raw)
      ? "max_count"
      : ["ttl_max", "ttl+max", "ttl_max_count"].includes(raw)
        ? "ttl_max_count"
        : "ttl";
  const ttl = Number.parseInt(String(config.retention_ttl_seconds ?? ""), 10);
  const max = Number.parseInt(String(config.retention_max_count ?? ""), 10);
  // Clamped to what the SQL holds (an integer count; an interval of at most ~68 years), read as leniently as the rest.
  const clamp = (n: number) => Math.min(Math.max(n, 1), MAX_RETENTION);
  return { mode, ttlSeconds: Number.isNaN(ttl) ? 3600 : clamp(ttl), maxCount: Number.isNaN(max) ? 25 : clamp(max) };
}

function firstText(...values: unknown[]): string | null {
  for (const value of values) if (typeof value === "string" && value.trim() !== "") return value.trim();
  return null;
}

/** The artifact payload of a node type (§12.1); plugin types with a special output keep their output keys. */
export function artifactPayload(type: string, parts: { inputContext: unknown; outputState: Record<string, unknown>; routingState: Record<string, unknown>; config: Record<string, unknown> }): Record<string, unknown> {
  const { outputState: out, routingState } = parts;
  if (type === "decision") {
    const payload: Record<string, unknown> = { matched_connector_ids: out.matched_connector_ids ?? [], evaluations: out.evaluations ?? [], no_match: out.no_match ?? true, routing_state: routingState };
    if ("resolved_route_key" in out) payload.resolved_route_key = out.resolved_route_key;
    if ("resolved_route_path" in out) payload.resolved_route_path = out.resolved_route_path;
    return payload;
  }
  if (type === "memory" || type === "milestone" || type === "plan") return { ...out, routing_state: routingState };
  const config = Object.fromEntries(Object.entries(parts.config).filter(([key]) => !key.startsWith("__")));
  const payload: Record<string, unknown> = { node_type: type, input_context: parts.inputContext ?? {}, output_state: out, routing_state: routingState };
  if (Object.keys(config).length > 0) payload.node_config = config;
  return payload;
}

/** An artifact ready to insert: its validated payload, ids and retention (everything but the database's columns). */
export interface PreparedArtifact {
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly refId: number | null;
  readonly variantKey: string;
  readonly retentionMode: RetentionMode;
  /** Seconds until it expires (ttl modes), else null. */
  readonly expiresInSeconds: number | null;
  readonly requestId: string;
  readonly correlationId: string;
  readonly idempotencyKey: string;
  /** Prune the node's expired artifacts (ttl modes). */
  readonly byTtl: boolean;
  /** Prune all but the node's newest `keep` older artifacts (count modes; the new one makes keep + 1). */
  readonly byCount: boolean;
  readonly keep: number;
}

/** The artifact of a succeeded node run (§12.1-§12.4), validated: a contract violation is ARK_CONTRACT_VIOLATION. */
export function prepareArtifact(input: { run: FlowRun; nodeRun: NodeRun; node: FlowNode; outputState: Record<string, unknown>; routingState: Record<string, unknown> }): PreparedArtifact {
  const { run, nodeRun, node, outputState, routingState } = input;
  const type = node.type.trim().toLowerCase() || "unknown";
  const payload = artifactPayload(type, { inputContext: nodeRun.inputContext, outputState, routingState, config: node.config });
  const problems = validateArtifactPayload(type, payload);
  if (problems.length > 0) {
    throw new ArkError("ARK_CONTRACT_VIOLATION", `The ${type} artifact of node run ${nodeRun.id} violates its contract: ${problems[0]}`, { details: { issues: problems } });
  }
  const ctx = nodeRun.inputContext ?? {};
  const retention = retentionOf(node.config);
  const byTtl = retention.mode === "ttl" || retention.mode === "ttl_max_count";
  return {
    type, payload, refId: node.refId ?? null, variantKey: `run-${run.id}-node-run-${nodeRun.id}`, retentionMode: retention.mode,
    expiresInSeconds: byTtl ? retention.ttlSeconds : null,
    requestId: firstText(node.config.request_id, ctx.request_id, outputState.request_id) ?? `flowchart-run-${run.id}-node-run-${nodeRun.id}`,
    correlationId: firstText(node.config.correlation_id, ctx.correlation_id, outputState.correlation_id) ?? `flowchart-run-${run.id}`,
    idempotencyKey: `run:${run.id}:node_run:${nodeRun.id}:artifact:${type}`,
    byTtl, byCount: retention.mode === "max_count" || retention.mode === "ttl_max_count", keep: retention.maxCount - 1,
  };
}

/** Inserts the artifact of a succeeded node run, prunes the node's history, and returns the serialised artifact (§12.5). */
export async function persistArtifact(
  tx: Queryable,
  input: { run: FlowRun; nodeRun: NodeRun; node: FlowNode; outputState: Record<string, unknown>; routingState: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const { run, nodeRun, node } = input;
  const a = prepareArtifact(input);
  // Insert and prune in one statement. The prune cannot see the new row (same snapshot), so it keeps maxCount - 1.
  const { rows } = await queryPrepared(
    tx,
    "ark_flow_artifact_insert",
    `WITH inserted AS (
       INSERT INTO ark_flow_node_artifacts (flowchart_id, run_id, node_run_id, node_id, node_type, artifact_type, ref_id, execution_index, variant_key,
         retention_mode, expires_at, request_id, correlation_id, payload, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $11::float8) END,
         $12, $13, $14::jsonb, $15)
       RETURNING *
     ), pruned AS (
       DELETE FROM ark_flow_node_artifacts d
        WHERE d.id IN (SELECT k.id FROM ark_flow_node_artifacts k
                        WHERE $16 AND k.flowchart_id = $1 AND k.node_id = $4 AND k.artifact_type = $6 AND k.expires_at <= now()
                       UNION ALL
                       SELECT k.id FROM (SELECT k.id FROM ark_flow_node_artifacts k
                                          WHERE $17 AND k.flowchart_id = $1 AND k.node_id = $4 AND k.artifact_type = $6 AND k.retention_mode <> 'forever'
                                          ORDER BY k.created_at DESC, k.id DESC OFFSET $18) k)
     )
     SELECT * FROM inserted`,
    [
      run.flowchartId, run.id, nodeRun.id, node.id, node.type, a.type, a.refId, nodeRun.executionIndex, a.variantKey,
      a.retentionMode, a.expiresInSeconds, a.requestId, a.correlationId, JSON.stringify(a.payload), a.idempotencyKey, a.byTtl, a.byCount, a.keep,
    ],
  );
  return serialiseArtifact(rows[0]!);
}

/** Deletes expired artifacts (up to `batch`); the periodic sweeper, so expiry holds even for nodes that never run again. */
export async function sweepExpiredArtifacts(db: Queryable, batch = 1000): Promise<number> {
  const { rowCount } = await db.query(
    "DELETE FROM ark_flow_node_artifacts WHERE id IN (SELECT id FROM ark_flow_node_artifacts WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)",
    [batch],
  );
  return rowCount;
}

/** An artifact row as the API and events show it (§12.5). */
export function serialiseArtifact(row: Record<string, unknown>): Record<string, unknown> {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id), flowchart_id: String(row.flowchart_id), flowchart_node_id: row.node_id, flowchart_run_id: String(row.run_id),
    flowchart_run_node_id: String(row.node_run_id), node_type: row.node_type, artifact_type: row.artifact_type, ref_id: text(row.ref_id),
    execution_index: row.execution_index, variant_key: row.variant_key, retention_mode: row.retention_mode, expires_at: isoOrNull(row.expires_at),
    request_id: row.request_id, correlation_id: row.correlation_id, payload: row.payload, contract_version: row.contract_version,
    payload_version: row.payload_version, idempotency_key: row.idempotency_key, created_at: isoOrNull(row.created_at), updated_at: isoOrNull(row.updated_at),
  };
}
