/**
 * Which rooms a connection's requests have joined, so a failed request leaves only rooms no other request holds.
 * Without it, a replay that failed (too large) left a room that a concurrent rt.subscribe had joined and confirmed:
 * the client believed it was subscribed and silently received nothing.
 */
export class RoomMembership {
  /** Rooms a request answered ok for (and no later unsubscribe left). */
  private readonly confirmed = new Set<string>();
  /** Rooms with requests still running, and how many. */
  private readonly pending = new Map<string, number>();

  /** A request starts joining `rooms`. */
  begin(rooms: readonly string[]): void {
    for (const room of rooms) this.pending.set(room, (this.pending.get(room) ?? 0) + 1);
  }

  /** The request that began `rooms` answered ok: they stay joined. */
  succeed(rooms: readonly string[]): void {
    for (const room of rooms) {
      this.release(room);
      this.confirmed.add(room);
    }
  }

  /** The request that began `rooms` failed; returns the rooms to leave: those no other request joined or is joining. */
  fail(rooms: readonly string[]): string[] {
    const leave: string[] = [];
    for (const room of rooms) {
      this.release(room);
      if (!this.confirmed.has(room) && !this.pending.has(room)) leave.push(room);
    }
    return leave;
  }

  /** Rooms the client joined without a replay (answered at once). */
  joined(rooms: readonly string[]): void {
    for (const room of rooms) this.confirmed.add(room);
  }

  /** Rooms the client left. */
  left(rooms: readonly string[]): void {
    for (const room of rooms) this.confirmed.delete(room);
  }

  private release(room: string): void {
    const count = (this.pending.get(room) ?? 0) - 1;
    if (count > 0) this.pending.set(room, count);
    else this.pending.delete(room);
  }
}
