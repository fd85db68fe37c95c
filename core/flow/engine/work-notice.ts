/**
 * Wake-ups between kernels sharing one database: `NOTIFY ark_flow` inside the transaction that made work ready (sent
 * only on commit), heard by every engine's LISTEN. Payloads are small JSON: `{kind:"work", run}` (new activations or
 * a status change) and `{kind:"cancel", runs}` (force cancel: abort in-flight node runs of these runs). NOTIFY is
 * database-wide while ARK's tables live in a schema, so every notice names its schema and engines of other schemas
 * (other deployments, parallel test schemas) ignore it — run ids are only unique within one schema.
 */
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";

/** The LISTEN/NOTIFY channel of the flow engine. */
export const FLOW_NOTIFY_CHANNEL = "ark_flow";

/** A parsed notice. */
export type FlowNotice = ({ kind: "work"; run: string; by: string | null } | { kind: "cancel"; runs: string[] }) & { schema: string };

const NOTIFY_SQL = "SELECT pg_notify($1, ($2::jsonb || jsonb_build_object('schema', current_schema()))::text)";

/** Queues a work notice in the transaction; `by` (the engine that wakes itself anyway) lets that engine skip it. */
export async function notifyWork(tx: Queryable, runId: string, by: string | null = null): Promise<void> {
  await queryPrepared(tx, "ark_flow_notify", NOTIFY_SQL, [FLOW_NOTIFY_CHANNEL, JSON.stringify({ kind: "work", run: runId, by })]);
}

/** Queues a cancel notice for runs whose in-flight node runs must stop. */
export async function notifyCancel(tx: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await tx.query(NOTIFY_SQL, [FLOW_NOTIFY_CHANNEL, JSON.stringify({ kind: "cancel", runs: runIds })]);
}

/** Parses a notice payload; null for anything else. */
export function parseFlowNotice(payload: string): FlowNotice | null {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    const schema = typeof value.schema === "string" ? value.schema : "";
    if (value.kind === "work" && typeof value.run === "string") return { kind: "work", run: value.run, by: typeof value.by === "string" ? value.by : null, schema };
    if (value.kind === "cancel" && Array.isArray(value.runs)) return { kind: "cancel", runs: value.runs.map(String), schema };
  } catch {
    // not ours
  }
  return null;
}
