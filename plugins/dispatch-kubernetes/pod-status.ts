/** Reading Job and Pod status the way the wait loop needs it (execution-plane §4.9–4.10). */
import type { V1Job, V1Pod } from "@kubernetes/client-node";

/** The newest pod (by start time, then creation time). */
export function newestPod(pods: readonly V1Pod[]): V1Pod | null {
  const time = (p: V1Pod) => Date.parse(String(p.status?.startTime ?? p.metadata?.creationTimestamp ?? 0)) || 0;
  return pods.reduce<V1Pod | null>((best, p) => (best === null || time(p) >= time(best) ? p : best), null);
}

/** Whether the pod's container has started (running or already terminated). */
export function containerStarted(pod: V1Pod): boolean {
  const state = pod.status?.containerStatuses?.[0]?.state;
  return Boolean(state?.running || state?.terminated);
}

/** Whether the pod is done. */
export function podFinished(pod: V1Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** `Pending | ImagePullBackOff | Back-off pulling image "x"`: phase plus the container's waiting/terminated reason. */
export function podReason(pod: V1Pod): string {
  const state = pod.status?.containerStatuses?.[0]?.state;
  const detail = state?.waiting ?? state?.terminated;
  const parts = [pod.status?.phase, detail?.reason ?? pod.status?.reason, detail?.message ?? pod.status?.message];
  return parts.filter((p): p is string => typeof p === "string" && p.trim() !== "").join(" | ");
}

/** The waiting reason alone (`ImagePullBackOff`, `ContainerCreating`, ...), or null. */
export function waitingReason(pod: V1Pod): string | null {
  return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? null;
}

/** `complete`, `failed` or null, with the condition's reason text. */
export function jobTerminal(job: V1Job): { status: "complete" | "failed"; reason: string } | null {
  const condition = (job.status?.conditions ?? []).find((c) => String(c.status).toLowerCase() === "true" && ["complete", "failed"].includes(String(c.type).toLowerCase()));
  const reason = condition ? [condition.type, condition.reason, condition.message].filter(Boolean).join(" | ") : "";
  if ((job.status?.succeeded ?? 0) > 0 || condition?.type === "Complete") return { status: "complete", reason: reason || "Complete" };
  if ((job.status?.failed ?? 0) > 0 || condition?.type === "Failed") return { status: "failed", reason: reason || "Failed" };
  return null;
}

/** Image pull failures: counted against the dispatch timeout and named in its message. */
export const IMAGE_PULL_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"]);
