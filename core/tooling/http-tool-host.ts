/**
 * The ToolHost a sandboxed executor uses: calls back to the kernel over HTTP with its node-run token
 * (`ARK_TOOLHOST_URL`, `ARK_TOOLHOST_TOKEN`). Refusals (4xx error envelopes) come back as failed results with the
 * kernel's stable code, so executor code handles one result shape whatever the transport.
 */
import { errorCatalogue } from "../errors/catalogue.js";
import { ArkError, errorMessage, type ArkErrorCode } from "../errors/index.js";
import type { ToolDescriptor, ToolHost, ToolInvocation, ToolInvocationResult } from "../plugin-api/contributions.js";

/** Where and how to call back. */
export interface HttpToolHostOptions {
  /** The kernel's API base URL (`ARK_TOOLHOST_URL`). */
  readonly url: string;
  /** The node-run token (`ARK_TOOLHOST_TOKEN`). */
  readonly token: string;
  readonly fetch?: typeof fetch;
}

function failedResult(call: ToolInvocation, code: string, message: string, details?: Record<string, unknown>): ToolInvocationResult {
  return {
    status: "failed", output: null, warnings: [], replayed: false,
    error: { code, message, ...(details ? { details } : {}) },
    trace: { contract_version: "v1", domain: call.domain, operation: call.operation, execution_status: "failed", attempt_count: 0, calls: [], transport: "http" },
  };
}

/** A ToolHost calling `POST /api/internal/tool-host/invoke` and `GET /api/internal/tool-host/tools`. */
export function createHttpToolHost(options: HttpToolHostOptions): ToolHost {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const headers = { authorization: `Bearer ${options.token}`, "content-type": "application/json" };
  return {
    async invoke(call) {
      const body = { domain: call.domain, operation: call.operation, input: call.input ?? null, ...(call.idempotencyKey ? { idempotency_key: call.idempotencyKey } : {}), ...(call.scope ? { scope: call.scope } : {}) };
      let response: Response;
      try {
        response = await doFetch(`${base}/api/internal/tool-host/invoke`, { method: "POST", headers, body: JSON.stringify(body), ...(call.signal ? { signal: call.signal } : {}) });
      } catch (err) {
        return failedResult(call, call.signal?.aborted ? "ARK_TOOL_CANCELLED" : "ARK_TOOL_HANDLER_FAILED", `Tool host unreachable: ${errorMessage(err)}`);
      }
      const payload = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (response.ok && payload && typeof payload.status === "string") {
        const { ok: _ok, ...result } = payload;
        return result as unknown as ToolInvocationResult;
      }
      const error = (payload?.error ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
      return failedResult(call, error.code ?? `http_${response.status}`, error.message ?? `Tool host answered HTTP ${response.status}.`, error.details);
    },
    async describe(): Promise<readonly ToolDescriptor[]> {
      const response = await doFetch(`${base}/api/internal/tool-host/tools`, { headers });
      const payload = (await response.json().catch(() => null)) as { tools?: ToolDescriptor[]; error?: { code?: string; message?: string } } | null;
      if (!response.ok || !payload?.tools) {
        const code = payload?.error?.code;
        const known: ArkErrorCode = code && code in errorCatalogue ? (code as ArkErrorCode) : "ARK_INTERNAL";
        throw new ArkError(known, payload?.error?.message ?? `Tool host answered HTTP ${response.status}.`, { details: { status: response.status, code } });
      }
      return payload.tools;
    },
  };
}
