import type { IncomingHttpHeaders } from "node:http";
import { normaliseOrigin } from "./api-config.js";
import { HttpProblem } from "./error-envelope.js";

/** Headers a browser may send cross-origin (besides the CORS-safelisted ones). */
const ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, X-Correlation-Id";
/** Response headers a browser script may read. */
const EXPOSED_HEADERS = "X-Request-Id, X-Correlation-Id";
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * The CORS allowlist. An origin gets CORS headers only when it is listed (or "*" is listed); others get none, so the
 * browser refuses to hand the answer to the page. Requests without an Origin header (curl, servers) are not affected.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly anyOrigin: boolean;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins.map(normaliseOrigin));
    this.anyOrigin = this.origins.has("*");
  }

  /** Headers for an ordinary request from `origin` (empty when it is not allowed or absent). */
  responseHeaders(origin: string | undefined): Record<string, string> {
    if (this.origins.size === 0) return {};
    const vary = { Vary: "Origin" };
    if (!origin || !this.allows(origin)) return vary;
    return { ...vary, "Access-Control-Allow-Origin": this.anyOrigin ? "*" : origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS };
  }

  /** True for a browser preflight (OPTIONS with Origin and Access-Control-Request-Method). */
  isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
    return method === "OPTIONS" && typeof headers.origin === "string" && typeof headers["access-control-request-method"] === "string";
  }

  /** Headers answering a preflight; a disallowed origin is a 403 naming the setting to change. */
  preflightHeaders(origin: string): Record<string, string> {
    if (!this.allows(origin)) {
      const why = this.origins.size === 0 ? "CORS is off (api.cors.origins is empty)" : "it is not in api.cors.origins";
      throw new HttpProblem(403, "forbidden", `Origin ${origin} may not call this API from a browser: ${why}. Add it to api.cors.origins.`, { origin }, { Vary: "Origin" });
    }
    return {
      ...this.responseHeaders(origin),
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
      "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
    };
  }

  private allows(origin: string): boolean {
    return this.anyOrigin || this.origins.has(normaliseOrigin(origin));
  }
}
