import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthDecision, AuthorizeRequest, RouteAuth } from "./api-server-port.js";
import { HttpProblem } from "./error-envelope.js";

/** The subject of requests made with the api token, or of any request when no token is configured. */
export const API_SUBJECT = "api";
/** The subject of requests to public routes. */
export const PUBLIC_SUBJECT = "public";

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="ark"' };

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Checks `Authorization: Bearer <token>` against `api.token`, in constant time. */
export class BearerAuth {
  private readonly expected: Buffer | null;

  constructor(token: string | null) {
    this.expected = token === null ? null : digest(token);
  }

  /** True when requests need no token at all. */
  get open(): boolean {
    return this.expected === null;
  }

  /**
   * The subject allowed to call a route, or a 401/403 HttpProblem. `authorize` is the route's own check for
   * internal routes; the api token passes them too.
   */
  async check(auth: RouteAuth, request: AuthorizeRequest, authorize?: (request: AuthorizeRequest) => AuthDecision | Promise<AuthDecision>): Promise<string> {
    if (auth === "public") return PUBLIC_SUBJECT;
    const header = request.headers.authorization;
    if (auth === "bearer") {
      if (this.expected === null) return API_SUBJECT;
      if (header === undefined) {
        throw new HttpProblem(401, "unauthorized", "This route needs an `Authorization: Bearer <token>` header with the API token (api.token in the config).", {}, CHALLENGE);
      }
      if (!this.matches(header)) {
        throw new HttpProblem(401, "unauthorized", "The bearer token is not valid for this API; send the token configured as api.token.", {}, {
          "WWW-Authenticate": 'Bearer realm="ark", error="invalid_token"',
        });
      }
      return API_SUBJECT;
    }
    if (this.expected !== null && header !== undefined && this.matches(header)) return API_SUBJECT;
    const decision = authorize ? await authorize(request) : { ok: false as const, reason: "unauthorized" as const, message: "This internal route has no authorizer." };
    if (decision.ok) return decision.subject;
    throw new HttpProblem(decision.reason === "forbidden" ? 403 : 401, decision.reason, decision.message, {}, decision.reason === "forbidden" ? {} : CHALLENGE);
  }

  private matches(header: string): boolean {
    const presented = BEARER.exec(header)?.[1];
    if (presented === undefined || this.expected === null) return false;
    // Hashing first makes both sides the same length, so the comparison time says nothing about the token.
    return timingSafeEqual(digest(presented), this.expected);
  }
}
