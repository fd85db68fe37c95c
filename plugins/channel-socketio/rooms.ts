/**
 * Room names clients may join (reference §13.4): `kind:id`, where kind is one of the prefixes the runtime publishes
 * to and id is non-empty.
 */
import { hasUnprintable, quoted, shortened } from "./client-value.js";

/** Room kinds a client may subscribe to, in the order of §13.4. */
export const ROOM_KINDS = ["task", "run", "flowchart", "flowchart_run", "flowchart_node", "thread", "download_job"] as const;

/** One room kind. */
export type RoomKind = (typeof ROOM_KINDS)[number];

/** Longest room name accepted (prefix, colon and id). */
export const MAX_ROOM_CHARS = 300;

const KINDS: ReadonlySet<string> = new Set(ROOM_KINDS);

/** Why a room was refused, as clients see it in `details.rejected`. */
export interface RejectedRoom {
  /** The room as sent, shortened (see client-value.ts). */
  readonly room: unknown;
  readonly reason: string;
}

/** The canonical room name (trimmed), or the reason it is not acceptable. */
export function checkRoom(value: unknown): { room: string } | { rejected: RejectedRoom } {
  const refuse = (reason: string) => ({ rejected: { room: shortened(value), reason } });
  if (typeof value !== "string") return refuse("a room must be a string such as \"flowchart_run:42\"");
  const room = value.trim();
  if (room.length === 0 || room.length > MAX_ROOM_CHARS || hasUnprintable(room)) {
    return refuse(`a room is 1 to ${MAX_ROOM_CHARS} characters without control characters`);
  }
  const colon = room.indexOf(":");
  const kind = colon < 0 ? room : room.slice(0, colon);
  if (!KINDS.has(kind)) return refuse(`unknown room kind ${quoted(kind)}; use one of ${ROOM_KINDS.join(", ")}`);
  if (colon < 0 || room.slice(colon + 1).trim() === "") return refuse(`"${kind}:" needs an id after the colon`);
  return { room };
}

/** Splits requested rooms into accepted (deduplicated, first occurrence kept) and rejected ones. */
export function checkRooms(values: readonly unknown[]): { accepted: string[]; rejected: RejectedRoom[] } {
  const accepted: string[] = [];
  const rejected: RejectedRoom[] = [];
  for (const value of values) {
    const checked = checkRoom(value);
    if ("rejected" in checked) rejected.push(checked.rejected);
    else if (!accepted.includes(checked.room)) accepted.push(checked.room);
  }
  return { accepted, rejected };
}
