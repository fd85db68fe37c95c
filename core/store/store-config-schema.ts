import { Ajv, type ErrorObject } from "ajv";
import type { JSONSchema } from "../contracts/json-schema.js";
import { resolveConfigPath } from "../config/config-path.js";
import { MAX_TIMER_MS } from "../config/timer-limits.js";
import { ArkError } from "../errors/index.js";
import { checkStoreConfig, databaseUrlFromEnv, DATABASE_URL_ENV } from "./store-config-check.js";
import type { StoreDriverName } from "./store-port.js";

/** Value of `store.dataDir` that selects an in-memory PGlite database (nothing written to disk). */
export const IN_MEMORY_DATA_DIR = "memory://";

/**
 * Schema of the top-level `store:` config section (draft-07, no `$schema` so it can be stitched into the kernel
 * schema; defaults are applied by the validator). `x-ark-secret` marks values that must never be printed.
 */
export const storeSectionSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "Where ARK keeps its state: an embedded PGlite database (default) or a PostgreSQL server.",
  properties: {
    driver: {
      type: "string", enum: ["pglite", "postgres"], default: "pglite",
      description: "pglite: embedded, in-process, no server needed. postgres: a PostgreSQL server at `url`. ARK_DATABASE_URL forces postgres.",
    },
    dataDir: {
      type: ["string", "null"], minLength: 1, default: ".ark/data",
      description: `PGlite data folder (relative: to the config file's folder, or the working directory without one); "${IN_MEMORY_DATA_DIR}" or null keeps the database in memory.`,
    },
    url: {
      type: "string", pattern: "^postgres(ql)?://", "x-ark-secret": true,
      description: "PostgreSQL connection URL (postgres://user:password@host:5432/db); may hold a password, so prefer ${ARK_DATABASE_URL}.",
    },
    poolMax: { type: "integer", minimum: 1, maximum: 1000, default: 10, description: "Most connections the pool opens." },
    statementTimeoutMs: {
      type: "integer", minimum: 0, maximum: MAX_TIMER_MS, default: 30000,
      description: "Server-side statement_timeout per statement (0 disables it). PGlite ignores it.",
    },
    connectTimeoutMs: {
      type: "integer", minimum: 1, maximum: MAX_TIMER_MS, default: 5000,
      description: "How long to wait for a connection before failing with ARK_STORE_UNREACHABLE.",
    },
    applicationName: { type: "string", minLength: 1, maxLength: 63, default: "ark", description: "application_name shown in pg_stat_activity." },
  },
  additionalProperties: false,
  if: { properties: { driver: { const: "postgres" } }, required: ["driver"] },
  // `properties` repeats url only so ajv's strictRequired accepts the `required` next to it.
  then: { properties: { url: { type: "string" } }, required: ["url"] },
});

/** The `store:` config section as written (every field optional; defaults fill the gaps). */
export interface StoreConfig {
  readonly driver?: StoreDriverName;
  readonly dataDir?: string | null;
  readonly url?: string;
  readonly poolMax?: number;
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly applicationName?: string;
}

/** A validated store config with defaults applied and the environment override resolved. */
export interface ResolvedStoreConfig {
  readonly driver: StoreDriverName;
  /** The absolute PGlite data folder (a relative one resolved against the config file's folder); null means in-memory. */
  readonly dataDir: string | null;
  readonly url: string | undefined;
  readonly poolMax: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
}

let compiled: ReturnType<Ajv["compile"]> | undefined;

function validator(): ReturnType<Ajv["compile"]> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "x-ark-secret", schemaType: "boolean" });
    compiled = ajv.compile(storeSectionSchema as object);
  }
  return compiled;
}

function describeIssue(issue: ErrorObject, urlFromEnv: boolean): string {
  const path = `store${issue.instancePath.replaceAll("/", ".")}${urlFromEnv && issue.instancePath === "/url" ? ` (from ${DATABASE_URL_ENV})` : ""}`;
  if (issue.keyword === "additionalProperties") {
    return `${path}: unknown key "${String(issue.params.additionalProperty)}"`;
  }
  if (issue.keyword === "required" && issue.params.missingProperty === "url") {
    return `${path}: driver "postgres" needs a url (or set ARK_DATABASE_URL)`;
  }
  return `${path}: ${issue.message ?? "is invalid"}`;
}

/**
 * Applies defaults to a `store:` section and resolves `ARK_DATABASE_URL` (which wins over the file and forces the
 * postgres driver). A relative `dataDir` becomes absolute: relative to the folder of `configFile`, or to the working
 * directory when there is no config file. Invalid input → ARK_CONFIG_INVALID listing every problem.
 */
export function resolveStoreConfig(
  config: StoreConfig | undefined, env: Record<string, string | undefined> = {}, configFile: string | null = null,
): ResolvedStoreConfig {
  const draft: Record<string, unknown> = { ...(config ?? {}) };
  const envUrl = databaseUrlFromEnv(env);
  if (envUrl) {
    draft.driver = "postgres";
    draft.url = envUrl;
  }
  const validate = validator();
  const problems = validate(draft)
    ? checkStoreConfig(draft, env).map((p) => `store.url${p.fromEnv ? ` (from ${p.fromEnv})` : ""}: ${p.message}`)
    : (validate.errors ?? []).filter((e) => e.keyword !== "if").map((e) => describeIssue(e, envUrl !== undefined));
  if (problems.length > 0) {
    throw new ArkError("ARK_CONFIG_INVALID", `Invalid store config:\n  ${problems.join("\n  ")}`, {
      details: { issues: problems, source: envUrl ? DATABASE_URL_ENV : "config" },
    });
  }
  const written = draft.dataDir === IN_MEMORY_DATA_DIR ? null : (draft.dataDir as string | null);
  const dataDir = written === null ? null : resolveConfigPath(written, configFile);
  return {
    driver: draft.driver as StoreDriverName,
    dataDir,
    url: draft.url as string | undefined,
    poolMax: draft.poolMax as number,
    statementTimeoutMs: draft.statementTimeoutMs as number,
    connectTimeoutMs: draft.connectTimeoutMs as number,
    applicationName: draft.applicationName as string,
  };
}
