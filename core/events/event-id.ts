import { createHash } from "node:crypto";

/**
 * Namespace of event ids. Changing it changes every event id ARK derives; the SQL function `ark_event_id`
 * (core/store/migrations/0003_event_log.sql) carries the same bytes and must change with it.
 */
export const EVENT_ID_NAMESPACE = "d56d9e0a-217a-4b52-b2b8-07a96a91e090";

const NAMESPACE_BYTES = Buffer.from(EVENT_ID_NAMESPACE.replace(/-/g, ""), "hex");

/**
 * The id of the event at `sequence` in `stream`: a name-based UUID (RFC 9562 version 8, SHA-256 over the
 * namespace bytes and the UTF-8 text `${stream}:${sequence}`). Deterministic, so a replayed event keeps its id;
 * unique per database because (stream, sequence) is the log's primary key.
 */
export function eventIdFor(stream: string, sequence: number): string {
  const digest = createHash("sha256").update(NAMESPACE_BYTES).update(`${stream}:${sequence}`, "utf8").digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
