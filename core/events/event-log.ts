import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import { queryPrepared } from "../store/prepared-query.js";
import type { Queryable } from "../store/store-port.js";
import {
  inEnvelopeOrder,
  sealEventEnvelope,
  serialisedDraft,
  type EnvelopeOptions,
  type EventEnvelopeDraft,
  type EventInput,
} from "./event-envelope.js";
import { EVENTS_NOTIFY_CHANNEL } from "./event-notice.js";
import { deepFreeze } from "./deep-freeze.js";

/** Options of appendEvent. */
export interface AppendEventOptions extends EnvelopeOptions {
  /** Who appends (an EventBus instance id), so that bus can skip its own notifications. */
  readonly origin?: string;
  /** LISTEN/NOTIFY channel the append is announced on after commit. */
  readonly notifyChannel?: string;
}

/**
 * One statement: bump the stream's last sequence (the upsert row-locks the stream until the transaction ends, so
 * writers of one stream take turns and a rollback leaves no gap), derive the id, insert the envelope, and queue a
 * NOTIFY that PostgreSQL delivers only if and when the transaction commits. The envelope is stored as drafted: its
 * identity (event_id, idempotency_key, sequence) is the row's columns, merged back in by the readers (migration 0007).
 */
const APPEND_SQL = `
WITH allocated AS (
  INSERT INTO ark_event_streams AS s (stream, last_sequence) VALUES ($1::text, 1)
  ON CONFLICT (stream) DO UPDATE SET last_sequence = s.last_sequence + 1
  RETURNING s.last_sequence AS sequence
), identified AS (
  SELECT sequence, ark_event_id($1::text, sequence) AS event_id FROM allocated
), stored AS (
  INSERT INTO ark_event_log (stream, sequence, event_id, event_type, entity_kind, entity_id, room_keys, envelope, emitted_at, origin)
  SELECT $1::text, i.sequence, i.event_id, $2::text, $3::text, $4::text, $5::text[],
         $6::jsonb,
         $7::timestamptz, $9::text
  FROM identified i
  RETURNING sequence, event_id
)
SELECT sequence, event_id::text AS event_id,
       pg_notify($8::text, json_build_object('schema', current_schema(), 'origin', $9::text, 'stream', $1::text, 'sequence', sequence)::text) AS notified
FROM stored`;

/**
 * Appends an event to the log inside the caller's transaction and returns its envelope (frozen). Use it through
 * EventBus.transaction so channels hear about the event after commit; called directly, the event is logged and
 * announced to listening buses, but this process publishes nothing.
 */
export async function appendEvent(tx: Queryable, input: EventInput, options: AppendEventOptions = {}): Promise<EventEnvelope> {
  return appendDraft(tx, serialisedDraft(input, options), options);
}

/** appendEvent for an input already turned into a checked draft (the bus validates before it touches the database). */
export async function appendDraft(
  tx: Queryable,
  { draft, json }: { draft: EventEnvelopeDraft; json: string },
  options: AppendEventOptions = {},
): Promise<EventEnvelope> {
  const { rows } = await queryPrepared<{ sequence: string; event_id: string }>(tx, "ark_event_append", APPEND_SQL, [
    draft.sequence_stream,
    draft.event_type,
    draft.entity_kind,
    draft.entity_id,
    draft.room_keys,
    json,
    draft.emitted_at,
    options.notifyChannel ?? EVENTS_NOTIFY_CHANNEL,
    options.origin ?? "",
  ]);
  const row = rows[0];
  if (!row) throw new ArkError("ARK_INTERNAL", "Appending an event returned no row.", { details: { stream: draft.sequence_stream } });
  const envelope = sealEventEnvelope(draft, Number(row.sequence));
  if (envelope.event_id !== row.event_id) {
    throw new ArkError("ARK_INTERNAL", "The database's ark_event_id() and eventIdFor() disagree; the event id namespace was changed on one side only.", {
      details: { stream: draft.sequence_stream, sequence: envelope.sequence, database: row.event_id, computed: envelope.event_id },
    });
  }
  return deepFreeze(envelope);
}

/** What to read back from the log (replay, backfill, gap filling). */
export interface EventLogQuery {
  /** One stream; results are in sequence order. */
  readonly stream?: string;
  /** Only events with a larger sequence (needs `stream`). */
  readonly afterSequence?: number;
  /** Only events up to and including this sequence (needs `stream`). */
  readonly untilSequence?: number;
  /** Per-stream cursors for reads across streams: an event is returned when its sequence is above its stream's entry. */
  readonly afterSequences?: Readonly<Record<string, number>>;
  readonly entityKind?: string;
  readonly entityId?: string;
  /** Events published to this room. */
  readonly roomKey?: string;
  /** At most this many events (1..10000). */
  readonly limit: number;
}

/** Most events one read returns. */
export const MAX_EVENT_READ = 10_000;

function badQuery(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_INVALID_ARGUMENT", `Event log query: ${message}`, { details });
}

function checkSequence(name: string, value: number | undefined, stream: string | undefined): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0) throw badQuery(`${name} must be a non-negative integer.`, { [name]: value });
  if (stream === undefined) throw badQuery(`${name} needs stream (sequences are per stream); use afterSequences across streams.`, { [name]: value });
}

/** Builds the WHERE clause and parameters of a query, rejecting malformed ones with ARK_INVALID_ARGUMENT. */
function whereClause(query: EventLogQuery): { where: string; params: unknown[] } {
  const { limit, stream } = query;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_EVENT_READ) {
    throw badQuery(`limit must be an integer from 1 to ${MAX_EVENT_READ}.`, { limit });
  }
  checkSequence("afterSequence", query.afterSequence, stream);
  checkSequence("untilSequence", query.untilSequence, stream);
  const params: unknown[] = [];
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (stream !== undefined) add((p) => `stream = ${p}::text`, stream);
  if (query.afterSequence !== undefined) add((p) => `sequence > ${p}::bigint`, query.afterSequence);
  if (query.untilSequence !== undefined) add((p) => `sequence <= ${p}::bigint`, query.untilSequence);
  if (query.entityKind !== undefined) add((p) => `entity_kind = ${p}::text`, query.entityKind);
  if (query.entityId !== undefined) add((p) => `entity_id = ${p}::text`, query.entityId);
  if (query.roomKey !== undefined) add((p) => `room_keys @> ARRAY[${p}::text]`, query.roomKey);
  if (query.afterSequences !== undefined) {
    const cursors = query.afterSequences;
    if (typeof cursors !== "object" || cursors === null || Object.values(cursors).some((v) => !Number.isSafeInteger(v) || v < 0)) {
      throw badQuery("afterSequences must map stream names to non-negative integers.", { afterSequences: cursors });
    }
    add((p) => `sequence > COALESCE((${p}::jsonb ->> stream)::bigint, 0)`, JSON.stringify(cursors));
  }
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

/** What a reader selects to rebuild an envelope. */
interface EnvelopeRow {
  readonly envelope: Record<string, unknown>;
  readonly event_id: string;
  readonly sequence: string;
}

const ENVELOPE_COLUMNS = "envelope, event_id::text AS event_id, sequence";

/**
 * A logged envelope (frozen, in envelope order): the stored draft with the row's identity columns. Rows written before
 * migration 0007 carry the same three values inside the envelope as well.
 */
function loggedEnvelope(row: EnvelopeRow): EventEnvelope {
  return deepFreeze(inEnvelopeOrder({ ...row.envelope, event_id: row.event_id, idempotency_key: row.event_id, sequence: Number(row.sequence) }));
}

/** Events from the log, oldest first: by sequence within one stream, by log position across streams. */
export async function readEvents(db: Queryable, query: EventLogQuery): Promise<EventEnvelope[]> {
  const { where, params } = whereClause(query);
  const order = query.stream !== undefined ? "sequence" : "log_position";
  params.push(query.limit);
  const { rows } = await db.query<EnvelopeRow>(
    `SELECT ${ENVELOPE_COLUMNS} FROM ark_event_log ${where} ORDER BY ${order} LIMIT $${params.length}::int`,
    params,
  );
  return rows.map((row) => loggedEnvelope(row));
}


/** An event read back together with the id of the bus that appended it. */
export interface LoggedEvent {
  readonly envelope: EventEnvelope;
  readonly origin: string;
}

/** The events of one stream in (after, until], in sequence order, with their origin (for gap filling). */
export async function readStreamRange(db: Queryable, stream: string, after: number, until: number): Promise<LoggedEvent[]> {
  const { rows } = await db.query<EnvelopeRow & { origin: string }>(
    `SELECT ${ENVELOPE_COLUMNS}, origin FROM ark_event_log WHERE stream = $1::text AND sequence > $2::bigint AND sequence <= $3::bigint
     ORDER BY sequence LIMIT $4::int`,
    [stream, after, until, MAX_EVENT_READ],
  );
  return rows.map((row) => ({ envelope: loggedEnvelope(row), origin: row.origin }));
}
