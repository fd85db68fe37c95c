/**
 * HTTP routes of the tool domains: `GET /api/tools`, `POST /api/tools/{domain}/{operation}` (api token), and the
 * sandbox callbacks `GET /api/internal/tool-host/tools`, `POST /api/internal/tool-host/invoke` (node-run token, or the api token).
 * 200 always carries a ToolInvocationResult (it may be `failed`: the tool ran and failed); a call that never ran
 * answers the API error envelope (400 input, 404 unknown, 409 in progress or key conflict, 401/403 token).
 */
import type { ApiRequest, ApiRoute, AuthDecision, AuthorizeRequest } from "../api/api-server-port.js";
import { API_SUBJECT } from "../api/bearer-auth.js";
import { ArkError, type ArkErrorCode } from "../errors/index.js";
import type { ToolInvocationResult } from "../plugin-api/contributions.js";
import type { NodeRunTokenClaims, NodeRunTokenSigner } from "./node-run-token.js";
import { PINNED_SCOPE_KEYS } from "./node-run-scope.js";
import type { ToolCall } from "./tool-call.js";
import type { ToolInvoker } from "./tool-invoker.js";

/** Failure codes that mean the call never ran: answered as an HTTP error, not as a 200 result. */
const REFUSALS = new Set<string>(["ARK_TOOL_UNKNOWN", "ARK_TOOL_INPUT_INVALID", "ARK_TOOL_IN_PROGRESS", "ARK_TOOL_IDEMPOTENCY_CONFLICT"]);

const callFields = {
  input: { description: "The operation's input (checked against its input schema)." },
  idempotency_key: { type: "string", minLength: 1, maxLength: 512 },
  scope: { type: "object", description: "Caller scope: flowchart_run_id, node_run_id, node_id, workspace, ..." },
  max_attempts: { type: "integer", minimum: 1, maximum: 20 },
  retry_backoff_ms: { type: "integer", minimum: 0, maximum: 30000 },
} as const;

const resultSchema = {
  type: "object",
  properties: { ok: { type: "boolean" }, status: { enum: ["success", "success_with_warning", "failed"] }, output: {}, warnings: { type: "array" }, error: {}, trace: { type: "object" }, replayed: { type: "boolean" } },
} as const;

interface CallBody {
  input?: unknown;
  idempotency_key?: string;
  scope?: Record<string, unknown>;
  max_attempts?: number;
  retry_backoff_ms?: number;
}

function bearerOf(headers: AuthorizeRequest["headers"]): string | null {
  return /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(headers.authorization ?? "")?.[1] ?? null;
}

function answer(result: ToolInvocationResult): unknown {
  if (result.status === "failed" && result.error && REFUSALS.has(result.error.code)) {
    throw new ArkError(result.error.code as ArkErrorCode, result.error.message, { details: result.error.details ?? {} });
  }
  return { ok: result.status !== "failed", ...result };
}

/**
 * The call of a request. The request's signal is not passed on: for POST requests it reads as aborted once the body is
 * consumed (seen with this fastify/node pair), which would cancel every call; an HTTP tool call runs to completion.
 */
function toCall(domain: string, operation: string, body: CallBody, scope: Record<string, unknown> | undefined): ToolCall {
  const retry = body.max_attempts !== undefined || body.retry_backoff_ms !== undefined
    ? { ...(body.max_attempts !== undefined ? { maxAttempts: body.max_attempts } : {}), ...(body.retry_backoff_ms !== undefined ? { backoffMs: body.retry_backoff_ms } : {}) }
    : undefined;
  return {
    domain, operation, input: body.input ?? null,
    ...(body.idempotency_key ? { idempotencyKey: body.idempotency_key } : {}),
    ...(scope ? { scope } : {}),
    ...(retry ? { retry } : {}),
  };
}

/** The api-token routes. */
export function toolRoutes(invoker: ToolInvoker): ApiRoute[] {
  return [
    {
      method: "GET", url: "/api/tools", summary: "List the callable tool operations with their schemas", tags: ["tools"], auth: "bearer",
      schema: { response: { "200": { type: "object", properties: { ok: { type: "boolean" }, tools: { type: "array" } } } } },
      handler: () => ({ ok: true, tools: invoker.describe() }),
    },
    {
      method: "POST", url: "/api/tools/:domain/:operation", summary: "Call one tool operation through the invocation envelope", tags: ["tools"], auth: "bearer",
      schema: {
        params: { type: "object", required: ["domain", "operation"], properties: { domain: { type: "string" }, operation: { type: "string" } } },
        body: { type: "object", additionalProperties: false, properties: callFields },
        response: { "200": resultSchema },
      },
      handler: async (req: ApiRequest<{ domain: string; operation: string }, unknown, CallBody>) =>
        answer(await invoker.invoke(toCall(req.params.domain, req.params.operation, req.body, req.body.scope))),
    },
  ];
}

/** The scope a node-run token allows: the token's scope wins; naming another run or node run is forbidden. */
export function scopeForToken(claims: NodeRunTokenClaims, asked: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  for (const key of PINNED_SCOPE_KEYS) {
    const pinned = claims.scope[key];
    const wanted = asked?.[key];
    if (wanted !== undefined && wanted !== null && pinned !== undefined && String(wanted) !== String(pinned ?? "")) {
      throw new ArkError("ARK_TOOL_SCOPE_FORBIDDEN", `This token only calls tools for node run ${claims.node_run} of run ${claims.run}; scope.${key} names another one.`, {
        details: { key, token_value: pinned, asked_value: wanted },
      });
    }
  }
  return { ...(asked ?? {}), ...claims.scope };
}

/** The tool domains a token may call: its scope's `tool_domains` (plus the node type's own domain), or all when unset. */
function allowedDomains(claims: NodeRunTokenClaims | null): ReadonlySet<string> | null {
  const listed = claims?.scope.tool_domains;
  if (!claims || !Array.isArray(listed)) return null;
  return new Set([...listed.map(String), String(claims.scope.node_type ?? "")]);
}

/** ARK_TOOL_SCOPE_FORBIDDEN when the token's node may not use `domain`. */
function checkDomain(claims: NodeRunTokenClaims | null, domain: string): void {
  const allowed = allowedDomains(claims);
  if (allowed && !allowed.has(domain)) {
    throw new ArkError("ARK_TOOL_SCOPE_FORBIDDEN", `This token's node (type ${String(claims!.scope.node_type)}) may not use the '${domain}' tool domain; it may use: ${[...allowed].filter(Boolean).join(", ") || "none"}.`, {
      details: { domain, allowed: [...allowed].filter(Boolean) },
    });
  }
}

/** The sandbox callback routes (`internal`: a node-run token, or the api token). */
export function executorToolRoutes(invoker: ToolInvoker, signer: NodeRunTokenSigner): ApiRoute[] {
  const authorize = (request: AuthorizeRequest): AuthDecision => {
    const token = bearerOf(request.headers);
    if (token === null) throw new ArkError("ARK_TOOL_TOKEN_INVALID", "This route needs `Authorization: Bearer <node-run tool token>` (ARK_TOOLHOST_TOKEN).");
    const claims = signer.verify(token);
    return { ok: true, subject: `node_run:${claims.run}:${claims.node_run}` };
  };
  const claimsOf = (req: ApiRequest<unknown, unknown, unknown>): NodeRunTokenClaims | null =>
    req.subject === API_SUBJECT ? null : signer.verify(bearerOf(req.headers) ?? "");
  return [
    {
      method: "GET", url: "/api/internal/tool-host/tools", summary: "Tool operations a sandboxed executor may call", tags: ["tools", "executor"], auth: "internal", authorize,
      handler: (req: ApiRequest<unknown, unknown, unknown>) => {
        const allowed = allowedDomains(claimsOf(req));
        return { ok: true, tools: invoker.describe().filter((t) => !allowed || allowed.has(t.domain)) };
      },
    },
    {
      method: "POST", url: "/api/internal/tool-host/invoke", summary: "Call a tool operation for the node run of the caller's token", tags: ["tools", "executor"], auth: "internal", authorize,
      schema: {
        body: { type: "object", required: ["domain", "operation"], additionalProperties: false, properties: { domain: { type: "string", minLength: 1 }, operation: { type: "string", minLength: 1 }, ...callFields } },
        response: { "200": resultSchema },
      },
      handler: async (req: ApiRequest<unknown, unknown, CallBody & { domain: string; operation: string }>) => {
        const claims = claimsOf(req);
        checkDomain(claims, req.body.domain);
        const scope = claims ? scopeForToken(claims, req.body.scope) : req.body.scope;
        return answer(await invoker.invoke(toCall(req.body.domain, req.body.operation, req.body, scope)));
      },
    },
  ];
}
