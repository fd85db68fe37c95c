import { ArkError, errorMessage } from "../errors/index.js";
import type { StartupReport } from "../kernel/startup-report.js";
import type { KernelInfo } from "../plugin-api/core-services.js";
import { apiReply, type ApiRoute, type HealthSource, type HealthSourceResult } from "./api-server-port.js";
import { API_CONTRACT_VERSION } from "./error-envelope.js";

/** How long one health source may take before it counts as down. */
export const HEALTH_SOURCE_TIMEOUT_MS = 2_000;

const SOURCE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const STATUSES = new Set(["ok", "degraded", "down"]);

type OverallStatus = HealthSourceResult["status"];

/** The health sources other modules registered, and where the startup report comes from. */
export class HealthRegistry {
  private readonly sources = new Map<string, { source: HealthSource; owner: string }>();
  private reportSource: (() => StartupReport | null) | null = null;
  readonly startedAt = new Date();

  /** Adds a source; names are unique, lower-case words (`store`, `redis`, `dispatch-kubernetes`). */
  register(name: string, source: HealthSource, owner: string): void {
    const fail = (problem: string) =>
      new ArkError("ARK_API_REGISTRATION_INVALID", `Health source "${name}" registered by "${owner}" is invalid: ${problem}`, { details: { owner, name } });
    if (typeof name !== "string" || !SOURCE_NAME.test(name)) throw fail("the name must be a lower-case word (letters, digits, '.', '_', '-'), at most 64 characters");
    if (typeof source !== "function") throw fail("the source must be a function returning { status, ... }");
    const existing = this.sources.get(name);
    if (existing) throw fail(`"${existing.owner}" already registered a source with this name`);
    this.sources.set(name, { source, owner });
  }

  setStartupReportSource(source: () => StartupReport | null): void {
    if (typeof source !== "function") throw new ArkError("ARK_INVALID_ARGUMENT", "setStartupReportSource needs a function returning the startup report.");
    this.reportSource = source;
  }

  startupReport(): StartupReport | null {
    return this.reportSource?.() ?? null;
  }

  /** Runs every source at once; a source that throws, times out or answers nonsense is reported down. */
  async check(): Promise<Record<string, HealthSourceResult>> {
    const entries = await Promise.all([...this.sources].map(async ([name, { source }]) => [name, await runSource(source)] as const));
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
}

async function runSource(source: HealthSource): Promise<HealthSourceResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthSourceResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: "down", detail: `did not answer within ${HEALTH_SOURCE_TIMEOUT_MS} ms` });
    }, HEALTH_SOURCE_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => source(controller.signal)), timeout]);
    if (typeof result !== "object" || result === null || !STATUSES.has(String(result.status))) {
      return { status: "down", detail: "the source answered without a status of ok, degraded or down" };
    }
    return result;
  } catch (err) {
    return { status: "down", detail: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

function overallStatus(sources: Record<string, HealthSourceResult>, report: StartupReport | null): OverallStatus {
  const statuses = Object.values(sources).map((s) => s.status);
  if (statuses.includes("down")) return "down";
  if (statuses.includes("degraded") || report?.plugins.some((p) => p.status === "failed")) return "degraded";
  return "ok";
}

const healthResponseSchema = {
  type: "object",
  description: "The kernel is up (200: ok or degraded) or a part of it is down (503).",
  required: ["ok", "status", "kernel", "uptime_seconds", "startup_report", "sources"],
  properties: {
    ok: { type: "boolean" },
    status: { type: "string", enum: ["ok", "degraded", "down"] },
    contract_version: { type: "string" },
    kernel: { type: "object", properties: { api_version: { type: "string" }, config_file: { type: ["string", "null"] } } },
    started_at: { type: "string", format: "date-time" },
    uptime_seconds: { type: "number" },
    startup_report: { type: ["object", "null"], description: "Per-plugin load/init/start times and status; null until the kernel wires it in." },
    sources: { type: "object", additionalProperties: { type: "object", properties: { status: { type: "string", enum: ["ok", "degraded", "down"] }, detail: { type: "string" } } } },
  },
};

/** `GET /api/health`: public; 200 when ok or degraded, 503 when a source is down. */
export function healthRoute(registry: HealthRegistry, kernel: KernelInfo): ApiRoute {
  return {
    method: "GET",
    url: "/api/health",
    summary: "Kernel health: status, API version, uptime, startup report and each health source",
    tags: ["system"],
    auth: "public",
    schema: { response: { "200": healthResponseSchema, "503": healthResponseSchema } },
    async handler() {
      const [sources, report] = [await registry.check(), registry.startupReport()];
      const status = overallStatus(sources, report);
      return apiReply(status === "down" ? 503 : 200, {
        ok: status !== "down",
        status,
        contract_version: API_CONTRACT_VERSION,
        kernel: { api_version: kernel.apiVersion, config_file: kernel.configFile },
        started_at: registry.startedAt.toISOString(),
        uptime_seconds: Math.round((Date.now() - registry.startedAt.getTime()) / 10) / 100,
        startup_report: report,
        sources,
      });
    },
  };
}
