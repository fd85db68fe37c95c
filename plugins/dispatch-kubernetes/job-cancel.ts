/**
 * Cancelling a node run's Job (execution-plane §4.11): delete the Job and its pods with the cancel grace period
 * (SIGTERM), wait up to that grace for the pods to go, then, when `cancel_force_kill_enabled`, delete with grace 0.
 */
import { isArkError } from "../../core/plugin-api/index.js";
import type { KubeApi } from "./kube-api.js";

/** How a cancel went. */
export interface CancelOutcome {
  readonly graceful: boolean;
  readonly forced: boolean;
  /** Pods still there at the end (0 when everything is gone). */
  readonly remainingPods: number;
}

async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isArkError(err, "ARK_K8S_NOT_FOUND")) throw err;
  }
}

async function podNames(api: KubeApi, namespace: string, jobName: string): Promise<string[]> {
  const pods = await api.listJobPods(namespace, jobName);
  return pods.map((p) => p.metadata?.name ?? "").filter((n) => n !== "");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deletes a Job gracefully, then by force if it has to; API errors propagate (the caller reports them). */
export async function cancelJob(api: KubeApi, options: { namespace: string; jobName: string; graceSeconds: number; force: boolean; pollMs: number }): Promise<CancelOutcome> {
  const { namespace, jobName } = options;
  const grace = Math.max(1, Math.ceil(options.graceSeconds));
  const pods = await podNames(api, namespace, jobName);
  await ignoreMissing(api.deleteJob(namespace, jobName, grace));
  // Pods deleted by the garbage collector would get their own grace period; delete them with ours.
  await Promise.all(pods.map((pod) => ignoreMissing(api.deletePod(namespace, pod, grace))));
  const deadline = Date.now() + options.graceSeconds * 1000;
  let remaining = pods;
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(options.pollMs, Math.max(deadline - Date.now(), 1)));
    remaining = await podNames(api, namespace, jobName);
  }
  if (remaining.length === 0) return { graceful: true, forced: false, remainingPods: 0 };
  if (!options.force) return { graceful: false, forced: false, remainingPods: remaining.length };
  await ignoreMissing(api.deleteJob(namespace, jobName, 0));
  await Promise.all(remaining.map((pod) => ignoreMissing(api.deletePod(namespace, pod, 0))));
  return { graceful: false, forced: true, remainingPods: (await podNames(api, namespace, jobName)).length };
}
