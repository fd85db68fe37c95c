import { createHash, timingSafeEqual } from "node:crypto";
import type { Socket } from "socket.io";
import type { ArkErrorCode } from "../../core/plugin-api/index.js";
import type { RtMetrics } from "./protocol.js";

/** The error a Socket.IO middleware refuses a connection with; the client's `connect_error` carries `data`. */
export type RtConnectError = Error & { data: { code: ArkErrorCode; message: string; details?: Record<string, unknown> } };

/** Builds a connection refusal whose message starts with the stable code (`details` too when given). */
export function rtConnectError(code: ArkErrorCode, message: string, details?: Record<string, unknown>): RtConnectError {
  return Object.assign(new Error(`${code}: ${message}`), { data: { code, message, ...(details ? { details } : {}) } });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** The token a handshake presents: `auth: { token }`, else an `Authorization: Bearer` header; null when none. */
export function presentedToken(handshake: Socket["handshake"]): string | null {
  const auth = handshake.auth as Record<string, unknown> | undefined;
  if (typeof auth?.token === "string" && auth.token !== "") return auth.token;
  const header = handshake.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * A namespace middleware that lets a socket in only with the api token (nothing to check when the API is open).
 * Tokens are compared as SHA-256 digests in constant time.
 */
export function tokenMiddleware(token: string | null, metrics: RtMetrics): (socket: Socket, next: (err?: Error) => void) => void {
  if (token === null) return (_socket, next) => next();
  const expected = digest(token);
  return (socket, next) => {
    const presented = presentedToken(socket.handshake);
    if (presented !== null && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    metrics.refusedTotal += 1;
    next(rtConnectError("ARK_RT_UNAUTHORIZED", presented === null ? "This server needs the api token: connect with auth: { token }." : "The token does not match the api token."));
  };
}
