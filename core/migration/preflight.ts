/**
 * The runbook's preflight as checks after a boot (reference runbook "Cutover Procedure" step 1, `ark doctor`):
 * Redis reachable when configured, pending flow migrations and their gate, executor images per class, the cutover
 * state, and every contributed `preflightCheck` (Kubernetes permissions, tool host, ...). Each check answers
 * ok / warn / fail with a fix hint; a check that throws or hangs is a fail, never a crash.
 */
import { Redis } from "ioredis";
import { errorMessage } from "../errors/index.js";
import type { PreflightCheckContribution, PreflightCheckResult } from "../plugin-api/contributions.js";
import type { ContributionRegistries } from "../plugin-api/registries-port.js";
import type { NodeExecutorSettingsService } from "../settings/node-executor-settings-port.js";
import type { Store } from "../store/store-port.js";
import type { MigrationChain } from "./migration-chain.js";
import { runFlowMigration } from "./migration-runner.js";

/** One named verdict. */
export interface PreflightResult extends PreflightCheckResult {
  readonly name: string;
}

/** What the preflight looks at. */
export interface PreflightDeps {
  readonly store: Store;
  readonly chain: MigrationChain;
  readonly settings: NodeExecutorSettingsService;
  readonly registries: ContributionRegistries;
  /** `events.redis.url` from the config, when set. */
  readonly redisUrl?: string;
  /** Per-check time limit (default 10 s). */
  readonly timeoutMs?: number;
}

/** PING the configured Redis once, without retries. */
export async function redisCheck(url: string | undefined, timeoutMs = 3000): Promise<PreflightCheckResult> {
  if (!url) return { status: "ok", detail: "not configured (single kernel: events fan out in-process)" };
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    const started = performance.now();
    await redis.ping();
    return { status: "ok", detail: `${new URL(url).host} reachable (${(performance.now() - started).toFixed(1)} ms)` };
  } catch (err) {
    return { status: "fail", detail: `${new URL(url).host}: ${errorMessage(err)}`, hint: "Start Redis or fix events.redis.url; kernels sharing a database need it for Socket.IO fan-out." };
  } finally {
    redis.disconnect();
  }
}

/** Pending flow migrations: ok when none, warn when all are ready to apply, fail when any is blocked. */
export async function flowMigrationCheck(store: Store, chain: MigrationChain): Promise<PreflightCheckResult> {
  const report = await runFlowMigration(store, chain);
  const blocked = report.reports.filter((r) => r.compatibility_gate.status === "blocked");
  if (blocked.length > 0) {
    const ids = blocked.slice(0, 10).map((r) => r.flowchart.id).join(", ");
    return { status: "fail", detail: `${blocked.length} of ${report.pending_count} pending flowchart(s) blocked by the compatibility gate (${ids}${blocked.length > 10 ? ", …" : ""})`, hint: "Run `ark migrate --export-json report.json` and fix the blocking_issue_codes of each flowchart (or accept policy warnings with --non-strict-policy)." };
  }
  if (report.pending_count > 0) {
    return { status: "warn", detail: `${report.pending_count} flowchart(s) below schema version ${chain.headVersion}, all ready`, hint: "Run `ark migrate --export-json before.json`, then `ark migrate --apply --export-json applied.json`." };
  }
  return { status: "ok", detail: `${report.flowchart_count} flowchart(s) at schema version ${chain.headVersion}` };
}

/** The executor image configured for each contributed executor class. */
export async function executorImagesCheck(settings: NodeExecutorSettingsService, registries: ContributionRegistries): Promise<PreflightCheckResult> {
  const view = await settings.read();
  const classes = [...new Set(registries.executors.entries().map((e) => e.value.imageClass ?? e.value.id))].sort();
  if (classes.length === 0) return { status: "ok", detail: "no executor plugin enabled (inline node types only)" };
  const missing = classes.filter((c) => !view[`k8s_effective_${c}_image`]);
  if (missing.length > 0) {
    return { status: "fail", detail: `no image setting for executor class(es): ${missing.join(", ")}`, hint: "Build the image (`ark bundle`) and set k8s_<class>_image / _image_tag via POST /api/settings/runtime/node-executor." };
  }
  const images = classes.map((c) => `${c}=${view[`k8s_effective_${c}_image`]}`);
  const floating = classes.filter((c) => /:latest$/.test(view[`k8s_effective_${c}_image`] ?? ""));
  if (floating.length > 0) return { status: "warn", detail: images.join(", "), hint: `Pin a release tag for ${floating.join(", ")} (k8s_<class>_image_tag) instead of :latest.` };
  return { status: "ok", detail: images.join(", ") };
}

/** The cutover gate's state (informational). */
export async function cutoverStateCheck(settings: NodeExecutorSettingsService): Promise<PreflightCheckResult> {
  const enabled = (await settings.read()).agent_runtime_cutover_enabled === "true";
  return { status: "ok", detail: enabled ? "agent_runtime_cutover_enabled=true (unified runtime)" : "agent_runtime_cutover_enabled=false (legacy routing); `ark cutover enable` after the preflight passes" };
}

async function withTimeout(run: (signal: AbortSignal) => Promise<PreflightCheckResult | readonly PreflightCheckResult[]>, timeoutMs: number): Promise<readonly PreflightCheckResult[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([run(controller.signal), timeout]);
    return Array.isArray(result) ? result : [result as PreflightCheckResult];
  } catch (err) {
    return [{ status: "fail", detail: errorMessage(err), hint: "The check itself failed; see the detail (and the kernel log)." }];
  } finally {
    clearTimeout(timer);
  }
}

function named(name: string, results: readonly PreflightCheckResult[]): PreflightResult[] {
  return results.map((r, i) => ({ name: results.length > 1 ? `${name} #${i + 1}` : name, status: r.status, detail: r.detail, ...(r.hint ? { hint: r.hint } : {}) }));
}

/** Every post-boot check, in a stable order: core checks first, then contributed ones by id. */
export async function runPreflight(deps: PreflightDeps, options: { includeCutoverState?: boolean } = {}): Promise<PreflightResult[]> {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const core: [string, () => Promise<PreflightCheckResult>][] = [
    ["redis", () => redisCheck(deps.redisUrl)],
    ["flow migrations", () => flowMigrationCheck(deps.store, deps.chain)],
    ["executor images", () => executorImagesCheck(deps.settings, deps.registries)],
  ];
  if (options.includeCutoverState !== false) core.push(["cutover", () => cutoverStateCheck(deps.settings)]);
  const results: PreflightResult[] = [];
  for (const [name, run] of core) results.push(...named(name, await withTimeout(run, timeoutMs)));
  const contributed = [...deps.registries.preflightChecks.entries()].sort((a, b) => (a.value.id < b.value.id ? -1 : 1));
  for (const { value } of contributed) results.push(...named(value.id, await withTimeout((signal) => (value as PreflightCheckContribution).run(signal), timeoutMs)));
  return results;
}
