import type { ConfigCheckProblem } from "../config/config-check.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import { MAX_TIMER_MS } from "../config/timer-limits.js";
import { ArkError } from "../errors/index.js";

/** A browser origin as CORS sends it (`https://app.example.com:8443`), or `*` for any origin. */
const ORIGIN_PATTERN = "^(\\*|https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?/?)$";

/** Shortest bearer token accepted; shorter ones are guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Schema of the top-level `api:` config section (defaults applied by the config validator). */
export const apiSectionSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "The HTTP API: where it listens, who may call it, which browser origins may read its answers.",
  properties: {
    host: { type: "string", minLength: 1, default: "127.0.0.1", description: "Address to listen on; 0.0.0.0 listens on every interface (set a token then)." },
    port: { type: "integer", minimum: 0, maximum: 65535, default: 8080, description: "TCP port; 0 picks a free port (the startup log and /api/health show which)." },
    token: {
      type: "string", "x-ark-secret": true,
      description: `Bearer token (at least ${MIN_TOKEN_LENGTH} characters) every route except /api/health and /api/docs requires as \`Authorization: Bearer <token>\`. Empty or absent: no auth. Prefer \${ARK_API_TOKEN}.`,
    },
    cors: {
      type: "object", default: {},
      description: "Browser access from other origins.",
      properties: {
        origins: {
          type: "array", default: [], uniqueItems: true,
          items: { type: "string", pattern: ORIGIN_PATTERN },
          description: 'Origins allowed to call the API from a browser, e.g. ["https://ui.example.com"]. "*" allows any origin and must be listed explicitly.',
        },
      },
      additionalProperties: false,
    },
    bodyLimitBytes: { type: "integer", minimum: 1024, maximum: 1073741824, default: 1048576, description: "Largest request body accepted (413 beyond it)." },
    requestTimeoutMs: {
      type: "integer", minimum: 0, maximum: MAX_TIMER_MS, default: 30000,
      description: "Longest a request may take, from receiving it to answering (503 request_timeout beyond it); 0 disables the limit.",
    },
  },
  additionalProperties: false,
});

/** The `api:` section as written (every field optional). */
export interface ApiConfig {
  readonly host?: string;
  readonly port?: number;
  readonly token?: string;
  readonly cors?: { readonly origins?: readonly string[] };
  readonly bodyLimitBytes?: number;
  readonly requestTimeoutMs?: number;
}

/** The `api:` section with defaults applied; `token` is null when auth is off. */
export interface ResolvedApiConfig {
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
}

/** The bearer token, or null when auth is off (absent, empty or only spaces). */
function tokenOf(config: ApiConfig): string | null {
  return config.token?.trim() ? config.token : null;
}

/**
 * What the `api:` schema cannot say clearly: a token is empty (no auth) or at least MIN_TOKEN_LENGTH characters.
 * The module's checkConfig, so `ark config validate` and every boot refuse the same sections.
 */
export function checkApiConfig(section: ApiConfig | undefined): ConfigCheckProblem[] {
  const token = tokenOf(section ?? {});
  if (token === null || token.length >= MIN_TOKEN_LENGTH) return [];
  return [{ path: ["token"], message: `is ${token.length} characters long; use at least ${MIN_TOKEN_LENGTH} (for example: openssl rand -hex 32), or leave it empty for no auth` }];
}

/** Fills defaults (for callers that skip the config validator) and checks what the schema cannot say clearly. */
export function resolveApiConfig(section: ApiConfig | undefined): ResolvedApiConfig {
  const config = section ?? {};
  const token = tokenOf(config);
  const [problem] = checkApiConfig(config);
  if (problem) {
    throw new ArkError("ARK_CONFIG_INVALID", `api.token ${problem.message}.`, { details: { path: "api.token", minLength: MIN_TOKEN_LENGTH } });
  }
  return {
    host: config.host ?? "127.0.0.1",
    port: config.port ?? 8080,
    token,
    corsOrigins: (config.cors?.origins ?? []).map(normaliseOrigin),
    bodyLimitBytes: config.bodyLimitBytes ?? 1024 * 1024,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
  };
}

/** Origins compare case-insensitively and without a trailing slash, as browsers send them. */
export function normaliseOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, "").toLowerCase();
}
