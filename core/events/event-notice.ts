/** The LISTEN/NOTIFY channel every event append is announced on (delivered when the appending transaction commits). */
export const EVENTS_NOTIFY_CHANNEL = "ark_events";

/** One announcement: "the log of `stream` now reaches `sequence`". */
export interface EventNotice {
  /** current_schema() of the appending session: kernels in other schemas of the same database ignore it. */
  readonly schema: string;
  /** Id of the appending EventBus ("" when appendEvent was called directly). */
  readonly origin: string;
  readonly stream: string;
  readonly sequence: number;
}

/** Parses a notification payload written by appendEvent; anything else (another writer on the channel) is null. */
export function parseEventNotice(payload: string): EventNotice | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { schema, origin, stream, sequence } = value as Record<string, unknown>;
  if (typeof schema !== "string" || typeof origin !== "string" || typeof stream !== "string" || stream === "") return null;
  if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 1) return null;
  return { schema, origin, stream, sequence };
}
