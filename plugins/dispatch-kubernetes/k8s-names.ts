/**
 * Deterministic, valid Kubernetes names and label values for one node run (execution-plane §4.2, §4.4, fixing Q5 and
 * Q14): the Job name is ≤55 characters so `<job>-payload` and `<job>-token` still fit 63, and long label values are
 * shortened with a hash instead of breaking the create.
 */
import { createHash } from "node:crypto";
import type { ExecutionRequest } from "../../core/plugin-api/index.js";

const MAX_JOB_NAME = 55;

function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** Lower-case DNS label characters only, no leading/trailing dash. */
function slug(value: unknown): string {
  return String(value ?? "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
}

/** The node run's identity the names derive from. */
export interface NodeRunIdentity {
  readonly nodeType: string;
  readonly nodeId: string;
  readonly executionId: string;
  readonly executionIndex: number;
  readonly attempt: number;
}

/** The identity of a request (attempt defaults to 1). */
export function nodeRunIdentity(request: ExecutionRequest): NodeRunIdentity {
  const attempt = Number(request.attempt ?? 1);
  return {
    nodeType: String(request.node_type), nodeId: String(request.node_id), executionId: String(request.execution_id),
    executionIndex: Number(request.execution_index), attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
  };
}

/** `ark-exec-<execution id>-<index>-<attempt>-<sha1 10>`: the same node run attempt always gets the same name. */
export function jobNameFor(id: NodeRunIdentity): string {
  const suffix = sha1Hex([id.nodeType, id.nodeId, id.executionId, id.executionIndex, id.attempt].join("|")).slice(0, 10);
  const tail = `-${id.executionIndex}-${id.attempt}-${suffix}`;
  const room = MAX_JOB_NAME - "ark-exec-".length - tail.length;
  const execution = slug(id.executionId).slice(0, Math.max(room, 0)).replace(/-+$/, "") || "run";
  return `ark-exec-${execution}${tail}`;
}

/** The payload ConfigMap's name. */
export function configMapNameFor(jobName: string): string {
  return `${jobName}-payload`;
}

/** The tool-host token Secret's name (≤63 like the ConfigMap's: the Job name is ≤55). */
export function toolHostSecretNameFor(jobName: string): string {
  return `${jobName}-token`;
}

/** A valid label value (≤63, alphanumerics, `-_.`); longer values keep a prefix and a hash of the whole. */
export function labelValue(value: unknown): string {
  const raw = String(value ?? "");
  const cleaned = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (cleaned.length <= 63) return cleaned || "none";
  return `${cleaned.slice(0, 52).replace(/[^A-Za-z0-9]+$/, "")}-${sha1Hex(raw).slice(0, 10)}`;
}

/** Labels of the Job, its pod template and the ConfigMap. */
export function jobLabels(id: NodeRunIdentity, extra: { executorClass: string; workspaceIdentity: string; flowchartRunId?: unknown }): Record<string, string> {
  return {
    "app.kubernetes.io/name": "ark-executor",
    "app.kubernetes.io/component": "executor",
    "app.kubernetes.io/managed-by": "ark",
    "ark/executor": "true",
    "ark/dispatcher": "kubernetes",
    "ark/executor-class": labelValue(extra.executorClass),
    "ark/node-type": labelValue(id.nodeType),
    "ark/node-id": labelValue(id.nodeId),
    "ark/execution-id": labelValue(id.executionId),
    "ark/execution-index": String(id.executionIndex),
    "ark/attempt": String(id.attempt),
    "ark/workspace-identity": labelValue(extra.workspaceIdentity),
    ...(extra.flowchartRunId !== undefined && extra.flowchartRunId !== null ? { "ark/flowchart-run-id": labelValue(extra.flowchartRunId) } : {}),
  };
}

/** sha256 hex of a text (payload fingerprints). */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
