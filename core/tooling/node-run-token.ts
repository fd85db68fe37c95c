/**
 * Short-lived tokens that let a sandboxed executor call tools back for exactly one node run. Format:
 * `ark1.<base64url(claims JSON)>.<base64url(HMAC-SHA256(key, "ark1." + claims))>`; claims `{run, node_run, exp, scope}`.
 * No dependency: the kernel verifies its own tokens, so a symmetric key suffices.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ArkError } from "../errors/index.js";

const PREFIX = "ark1";
const MAX_TTL_SECONDS = 7 * 24 * 60 * 60;

/** What a verified token grants. */
export interface NodeRunTokenClaims {
  /** The flowchart run, or null for a node run outside a flowchart run. */
  readonly run: string | null;
  readonly node_run: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** The scope every call made with the token carries (run and node run ids included). */
  readonly scope: Record<string, unknown>;
}

function idOf(value: unknown, what: string): string {
  if ((typeof value === "string" && value.trim() !== "") || (typeof value === "number" && Number.isFinite(value))) return String(value);
  throw new ArkError("ARK_INVALID_ARGUMENT", `A node-run tool token needs scope.${what} (got ${JSON.stringify(value)}).`, { details: { [what]: value } });
}

/** Signs and verifies node-run tool tokens with one key. */
export class NodeRunTokenSigner {
  private readonly key: Buffer;

  /** `secret` (≥ 32 characters) makes tokens valid across kernels sharing it; without one, a random per-process key. */
  constructor(secret?: string | null) {
    if (secret !== undefined && secret !== null && secret.length < 32) {
      throw new ArkError("ARK_CONFIG_INVALID", "tooling.tokenSecret must be at least 32 characters long.", { details: { length: secret.length } });
    }
    this.key = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  /** A token for the node run named in `scope` (`node_run_id`, and `flowchart_run_id` when it has one), valid for `ttlSeconds`. */
  issue(scope: Readonly<Record<string, unknown>>, ttlSeconds: number, now = Date.now()): string {
    if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new ArkError("ARK_INVALID_ARGUMENT", `Node-run tool token ttlSeconds must be above 0 and at most ${MAX_TTL_SECONDS}.`, { details: { ttlSeconds } });
    }
    const run = scope.flowchart_run_id === null || scope.flowchart_run_id === undefined ? null : idOf(scope.flowchart_run_id, "flowchart_run_id");
    const nodeRun = idOf(scope.node_run_id, "node_run_id");
    const claims: NodeRunTokenClaims = {
      run, node_run: nodeRun, exp: Math.floor(now / 1000 + ttlSeconds),
      scope: { ...scope, flowchart_run_id: run, node_run_id: nodeRun },
    };
    const body = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The claims of a valid token; ARK_TOOL_TOKEN_INVALID when malformed or forged, ARK_TOOL_TOKEN_EXPIRED when old. */
  verify(token: string, now = Date.now()): NodeRunTokenClaims {
    const parts = typeof token === "string" ? token.split(".") : [];
    if (parts.length !== 3 || parts[0] !== PREFIX) throw invalid("The token is not a node-run tool token.");
    const body = `${parts[0]}.${parts[1]}`;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid("The token's signature does not match.");
    let claims: NodeRunTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as NodeRunTokenClaims;
    } catch {
      throw invalid("The token's claims are not JSON.");
    }
    if (typeof claims.exp !== "number" || (claims.run !== null && typeof claims.run !== "string") || typeof claims.node_run !== "string") throw invalid("The token's claims are incomplete.");
    if (claims.exp * 1000 <= now) {
      throw new ArkError("ARK_TOOL_TOKEN_EXPIRED", `The node-run tool token for node run ${claims.node_run} expired at ${new Date(claims.exp * 1000).toISOString()}.`, {
        details: { flowchart_run_id: claims.run, node_run_id: claims.node_run, expired_at: new Date(claims.exp * 1000).toISOString() },
      });
    }
    return claims;
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}

function invalid(message: string): ArkError {
  return new ArkError("ARK_TOOL_TOKEN_INVALID", message);
}
