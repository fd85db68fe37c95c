/**
 * The wait loop of one Job (execution-plane §4.9, with Q1 and Q7 fixed): polls the Job's pod, reads the executor's
 * start markers from its log, and ends with an outcome. Before the start marker, time counts against the dispatch
 * timeout (pending, image pulls, volume waits); after it, against the execution timeout. Transient API errors are
 * retried a few times; anything else ends the watch with the error (the caller cancels the Job).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ArkError, isArkError, parseExecutorOutput, type ExecutorStartInfo, type ParsedExecutorOutput } from "../../core/plugin-api/index.js";
import type { KubeApi } from "./kube-api.js";
import { EXECUTOR_CONTAINER } from "./k8s-manifests.js";
import { containerStarted, jobTerminal, newestPod, podFinished, podReason } from "./pod-status.js";

/** How the watch ended. */
export type WatchOutcome =
  | { readonly kind: "finished"; readonly parsed: ParsedExecutorOutput | null; readonly reason: string; readonly logError?: ArkError }
  | { readonly kind: "dispatch_timeout"; readonly reason: string }
  | { readonly kind: "execution_timeout"; readonly reason: string }
  | { readonly kind: "plugin_set_mismatch"; readonly reported: string | null; readonly expected: string }
  | { readonly kind: "api_error"; readonly error: ArkError }
  | { readonly kind: "cancelled" }
  | { readonly kind: "detached" };

/** What a watch needs. */
export interface WatchOptions {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly jobName: string;
  readonly dispatchTimeoutMs: number;
  readonly executionTimeoutMs: number;
  readonly logCollectionTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly apiTimeoutMs: number;
  readonly expectedPluginSetHash: string | null;
  /** The node run was cancelled. */
  readonly cancelSignal: AbortSignal;
  /** The kernel is stopping: stop watching, leave the Job alone. */
  readonly detachSignal: AbortSignal;
  /** Called once, when the start marker is seen (dispatch_confirmed). */
  readonly onConfirmed: (info: ExecutorStartInfo | null) => void;
}

/** Errors that will not get better by asking again. */
const PERMANENT = new Set(["ARK_K8S_FORBIDDEN", "ARK_K8S_UNAUTHORIZED", "ARK_K8S_NOT_FOUND", "ARK_K8S_REJECTED", "ARK_K8S_CONFIG_INVALID"]);
const MAX_CONSECUTIVE_ERRORS = 3;

/** Watches one Job until it is done, timed out, cancelled or detached. */
export class JobWatch {
  private confirmed = false;
  private executionDeadline = Infinity;
  private lastReason = "";
  /** The pod's container ran at some point (so a missing start marker is ambiguous). */
  containerRan = false;
  podName: string | null = null;

  constructor(private readonly options: WatchOptions) {}

  /** Runs the loop. Never throws. */
  async run(): Promise<WatchOutcome> {
    const o = this.options;
    const dispatchDeadline = Date.now() + o.dispatchTimeoutMs;
    let errors = 0;
    for (;;) {
      if (o.cancelSignal.aborted) return { kind: "cancelled" };
      if (o.detachSignal.aborted) return { kind: "detached" };
      try {
        const outcome = await this.step();
        errors = 0;
        if (outcome) return outcome;
      } catch (err) {
        if (o.cancelSignal.aborted || o.detachSignal.aborted) continue;
        const error = isArkError(err) ? err : new ArkError("ARK_K8S_API_ERROR", String(err), { cause: err });
        if (PERMANENT.has(error.code) || ++errors >= MAX_CONSECUTIVE_ERRORS) return { kind: "api_error", error };
      }
      const now = Date.now();
      if (!this.confirmed && now > dispatchDeadline) return { kind: "dispatch_timeout", reason: this.lastReason };
      if (this.confirmed && now > this.executionDeadline) return { kind: "execution_timeout", reason: this.lastReason };
      await this.pause(o.pollIntervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    const { cancelSignal, detachSignal } = this.options;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        cancelSignal.removeEventListener("abort", done);
        detachSignal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      cancelSignal.addEventListener("abort", done, { once: true });
      detachSignal.addEventListener("abort", done, { once: true });
    });
  }

  /** One poll: null to keep going, or the outcome. */
  private async step(): Promise<WatchOutcome | null> {
    const o = this.options;
    const pod = newestPod(await o.api.listJobPods(o.namespace, o.jobName, o.cancelSignal));
    if (!pod) {
      const terminal = jobTerminal(await o.api.readJob(o.namespace, o.jobName, o.cancelSignal));
      return terminal ? { kind: "finished", parsed: null, reason: terminal.reason } : null;
    }
    this.podName = pod.metadata?.name ?? null;
    this.lastReason = podReason(pod);
    if (containerStarted(pod)) this.containerRan = true;
    if (podFinished(pod)) return this.finish(pod);
    if (!this.confirmed && containerStarted(pod)) {
      const parsed = parseExecutorOutput(await this.readEarlyLog());
      if (parsed.started) return this.confirm(parsed.startInfo);
    }
    return null;
  }

  /** The log while the container runs; a 400 (container not ready for logs yet) is "nothing yet", not an error. */
  private async readEarlyLog(): Promise<string> {
    const o = this.options;
    try {
      return await o.api.readLog(o.namespace, this.podName!, EXECUTOR_CONTAINER, o.apiTimeoutMs, o.cancelSignal);
    } catch (err) {
      if (isArkError(err, "ARK_K8S_REJECTED")) return "";
      throw err;
    }
  }

  /**
   * The start marker was seen: check the plugin-set hash, then start the execution clock. The literal marker comes
   * first; while a hash is expected, a log read between the two lines waits for the JSON one unless the pod is done.
   */
  private confirm(info: ExecutorStartInfo | null, final = false): WatchOutcome | null {
    if (this.confirmed) return null;
    const expected = this.options.expectedPluginSetHash;
    if (expected !== null && info === null && !final) return null;
    const reported = info?.plugin_set_hash ?? null;
    if (expected !== null && reported !== expected) return { kind: "plugin_set_mismatch", reported, expected };
    this.confirmed = true;
    this.executionDeadline = Date.now() + this.options.executionTimeoutMs;
    this.options.onConfirmed(info);
    return null;
  }

  /** The pod is done: collect its log within the log-collection timeout. */
  private async finish(pod: V1Pod): Promise<WatchOutcome> {
    const o = this.options;
    const reason = podReason(pod);
    const deadline = Date.now() + o.logCollectionTimeoutMs;
    for (;;) {
      try {
        const parsed = parseExecutorOutput(await o.api.readLog(o.namespace, this.podName!, EXECUTOR_CONTAINER, Math.max(deadline - Date.now(), 1), o.cancelSignal));
        if (parsed.started) {
          const mismatch = this.confirm(parsed.startInfo, true);
          if (mismatch) return mismatch;
        }
        return { kind: "finished", parsed, reason };
      } catch (err) {
        if (o.cancelSignal.aborted) return { kind: "cancelled" };
        if (Date.now() >= deadline || isArkError(err, "ARK_K8S_FORBIDDEN")) {
          const logError = isArkError(err) ? err : new ArkError("ARK_K8S_API_ERROR", String(err));
          return { kind: "finished", parsed: null, reason, logError };
        }
        await this.pause(Math.min(o.pollIntervalMs, Math.max(deadline - Date.now(), 1)));
      }
    }
  }

  /** Whether the start marker was seen. */
  get isConfirmed(): boolean {
    return this.confirmed;
  }
}
