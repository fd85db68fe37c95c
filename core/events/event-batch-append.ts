import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import { queryPrepared } from "../store/prepared-query.js";
import type { Queryable } from "../store/store-port.js";
import { deepFreeze } from "./deep-freeze.js";
import { sealEventEnvelope, type EventEnvelopeDraft } from "./event-envelope.js";
import { eventIdFor } from "./event-id.js";
import type { AppendEventOptions } from "./event-log.js";
import { EVENTS_NOTIFY_CHANNEL } from "./event-notice.js";

/**
 * Several events in ONE statement, with exactly the outcome of appending them one by one in input order: each stream's
 * last sequence is bumped once by its number of events (the upsert row-locks the stream until the transaction ends, in
 * the order the streams first appear), every event gets the next sequence of its stream in input order, the log rows
 * are inserted in input order (so `log_position` follows it). One NOTIFY per stream announces its highest new sequence:
 * a listening bus reads everything up to an announced sequence anyway (and coalesces a stream's notices to the highest).
 * The input is the drafts themselves: the columns are read out of them and each draft is stored as it came (its
 * identity lives in the row's columns, see migration 0007), so no envelope is rebuilt. The SHA-256 behind each id is
 * computed once per event (a materialised column), not once per use in ark_event_id's expression.
 */
const APPEND_BATCH_SQL = `
WITH input AS (
  SELECT x.ord, x.e->>'sequence_stream' AS stream, x.e->>'event_type' AS event_type, x.e->>'entity_kind' AS entity_kind,
         x.e->>'entity_id' AS entity_id, ARRAY(SELECT jsonb_array_elements_text(x.e->'room_keys')) AS room_keys,
         x.e AS envelope, (x.e->>'emitted_at')::timestamptz AS emitted_at
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord)
), counts AS (
  SELECT stream, count(*)::bigint AS n, min(ord) AS first FROM input GROUP BY stream
), allocated AS (
  INSERT INTO ark_event_streams AS s (stream, last_sequence)
  SELECT stream, n FROM counts ORDER BY first
  ON CONFLICT (stream) DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
  RETURNING s.stream, s.last_sequence AS last
), numbered AS (
  SELECT i.*, a.last - c.n + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord) AS sequence
    FROM input i JOIN counts c USING (stream) JOIN allocated a USING (stream)
), digested AS MATERIALIZED (
  SELECT n.*, ark_event_digest(n.stream, n.sequence) AS digest FROM numbered n
), stored AS (
  INSERT INTO ark_event_log (stream, sequence, event_id, event_type, entity_kind, entity_id, room_keys, envelope, emitted_at, origin)
  SELECT stream, sequence, ark_event_id_of_digest(digest), event_type, entity_kind, entity_id, room_keys, envelope, emitted_at, $3::text
    FROM digested ORDER BY ord
  RETURNING stream, sequence, event_id
)
SELECT s.stream, s.sequence, s.event_id::text AS event_id, n.notified
  FROM stored s
 CROSS JOIN (
   SELECT count(pg_notify($2::text, json_build_object('schema', current_schema(), 'origin', $3::text, 'stream', stream, 'sequence', last)::text)) AS notified
     FROM (SELECT stream, max(sequence) AS last FROM stored GROUP BY stream) AS per_stream
 ) n`;

/** A checked draft and its JSON text, as the bus prepares them. */
export interface SerialisedDraft {
  readonly draft: EventEnvelopeDraft;
  readonly json: string;
}

/**
 * Appends drafts to the log in one statement inside the caller's transaction; resolves to their envelopes (frozen) in
 * input order. Same guarantees as appending each with appendDraft, one round trip instead of one per event.
 */
export async function appendDrafts(tx: Queryable, drafts: readonly SerialisedDraft[], options: AppendEventOptions = {}): Promise<EventEnvelope[]> {
  if (drafts.length === 0) return [];
  const { rows } = await queryPrepared<{ stream: string; sequence: string; event_id: string }>(tx, "ark_event_append_batch", APPEND_BATCH_SQL, [
    `[${drafts.map(({ json }) => json).join(",")}]`,
    options.notifyChannel ?? EVENTS_NOTIFY_CHANNEL,
    options.origin ?? "",
  ]);
  if (rows.length !== drafts.length) {
    throw new ArkError("ARK_INTERNAL", `Appending ${drafts.length} events returned ${rows.length} rows.`, { details: { events: drafts.length, rows: rows.length } });
  }
  const sequences = new Map<string, number[]>();
  for (const row of rows) {
    const list = sequences.get(row.stream) ?? [];
    list.push(Number(row.sequence));
    sequences.set(row.stream, list);
  }
  const ids = new Map(rows.map((row) => [`${row.stream}\u0000${Number(row.sequence)}`, row.event_id]));
  for (const list of sequences.values()) list.sort((a, b) => a - b);
  const next = new Map<string, number>();
  const envelopes = drafts.map(({ draft }) => {
    const stream = draft.sequence_stream;
    const position = next.get(stream) ?? 0;
    next.set(stream, position + 1);
    const sequence = sequences.get(stream)![position]!;
    return deepFreeze(sealEventEnvelope(draft, sequence, ids.get(`${stream}\u0000${sequence}`)));
  });
  // The ids are the database's; one recomputed here per statement is enough to notice a namespace changed on one side.
  const probe = envelopes[0]!;
  const computed = eventIdFor(probe.sequence_stream, probe.sequence);
  if (probe.event_id !== computed) {
    throw new ArkError("ARK_INTERNAL", "The database's ark_event_id() and eventIdFor() disagree; the event id namespace was changed on one side only.", {
      details: { stream: probe.sequence_stream, sequence: probe.sequence, database: probe.event_id, computed },
    });
  }
  return envelopes;
}
