/** Turns what `@kubernetes/client-node` throws into ArkErrors with stable codes and the API server's own message. */
import { ApiException } from "@kubernetes/client-node";
import { ArkError, errorMessage, type ArkErrorCode } from "../../core/plugin-api/index.js";

/** The `Status` fields of an error body, when it has one. */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const status = value as { message?: unknown; reason?: unknown };
  return { ...(typeof status.message === "string" ? { message: status.message } : {}), ...(typeof status.reason === "string" ? { reason: status.reason } : {}) };
}

const CODE_BY_STATUS: Readonly<Record<number, ArkErrorCode>> = {
  401: "ARK_K8S_UNAUTHORIZED", 403: "ARK_K8S_FORBIDDEN", 404: "ARK_K8S_NOT_FOUND", 409: "ARK_K8S_CONFLICT", 400: "ARK_K8S_REJECTED", 422: "ARK_K8S_REJECTED",
};

/** True when a failed write may still have happened (the server never said no): timeouts, 5xx, lost connections. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof ArkError && err.details.outcomeUnknown === true;
}

/** The ArkError for a failed API call; `action` says what was tried (`create job x`). */
export function kubeError(err: unknown, action: string, timedOut: boolean): ArkError {
  if (err instanceof ArkError) return err;
  if (timedOut) {
    return new ArkError("ARK_K8S_TIMEOUT", `Kubernetes API call timed out: ${action}.`, { details: { action, outcomeUnknown: true }, cause: err });
  }
  if (err instanceof ApiException) {
    const status = Number(err.code);
    const { message, reason } = statusOf(err.body);
    const code = CODE_BY_STATUS[status] ?? "ARK_K8S_API_ERROR";
    const text = message ?? (status === 401 ? "Unauthorized" : `HTTP ${status}`);
    return new ArkError(code, `Kubernetes API refused to ${action}: ${text}`, {
      details: { action, status, ...(reason ? { reason } : {}), k8sMessage: text, outcomeUnknown: status >= 500 }, cause: err,
    });
  }
  return new ArkError("ARK_K8S_UNREACHABLE", `Kubernetes API unreachable (${action}): ${errorMessage(err)}`, { details: { action, outcomeUnknown: true }, cause: err });
}
