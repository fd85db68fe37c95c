/**
 * Command sessions: a working folder and environment kept between calls (what a terminal would remember), owned by
 * one workspace, removed when stopped or after sessionTtlSeconds without use.
 */
import { randomUUID } from "node:crypto";
import { ArkError } from "../../core/plugin-api/index.js";

/** One session's state. */
export interface CommandSession {
  readonly id: string;
  readonly workspace: string;
  /** Working folder relative to the workspace root. */
  cwd: string;
  env: Record<string, string>;
  readonly createdAt: number;
  lastUsedAt: number;
}

/** The sessions of one kernel. */
export class SessionRegistry {
  private readonly sessions = new Map<string, CommandSession>();

  constructor(private readonly max: number, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** Opens a session in `workspace`; ARK_COMMAND_LIMIT_REACHED beyond maxSessions. */
  open(workspace: string, cwd: string, env: Record<string, string>): CommandSession {
    if (this.sessions.size >= this.max) {
      throw new ArkError("ARK_COMMAND_LIMIT_REACHED", `${this.max} sessions are open (maxSessions).`, { details: { limit: this.max, kind: "sessions" } });
    }
    const at = this.now();
    const session: CommandSession = { id: randomUUID(), workspace, cwd, env, createdAt: at, lastUsedAt: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session `id` of `workspace` (marked used); ARK_COMMAND_SESSION_NOT_FOUND otherwise. */
  use(id: string, workspace: string): CommandSession {
    const session = this.sessions.get(id);
    if (!session || session.workspace !== workspace) {
      throw new ArkError("ARK_COMMAND_SESSION_NOT_FOUND", `No command session "${id}" in this workspace.`, { details: { session_id: id } });
    }
    session.lastUsedAt = this.now();
    return session;
  }

  /** Removes a session; false when there was none. */
  close(id: string, workspace: string): boolean {
    const session = this.sessions.get(id);
    if (!session || session.workspace !== workspace) return false;
    return this.sessions.delete(id);
  }

  /** Removes sessions idle longer than the TTL; returns their ids. */
  reap(): string[] {
    const cutoff = this.now() - this.ttlMs;
    const gone = [...this.sessions.values()].filter((s) => s.lastUsedAt <= cutoff).map((s) => s.id);
    for (const id of gone) this.sessions.delete(id);
    return gone;
  }

  /** How many sessions are open. */
  get size(): number {
    return this.sessions.size;
  }

  /** Removes every session (plugin stop). */
  clear(): void {
    this.sessions.clear();
  }
}
