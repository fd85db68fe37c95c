import semver from "semver";
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { KERNEL_API_VERSION } from "./api-version.js";
import type { BootIssue } from "./boot-issue.js";

const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const HOOKS = ["register", "init", "start", "stop"] as const;

/** Every problem with one plugin manifest (id, version, kernel range, hooks, declared refs). */
export function checkManifest(def: PluginDefinition, where: Omit<BootIssue, "code" | "message">): BootIssue[] {
  const issues: BootIssue[] = [];
  const name = typeof def.id === "string" && def.id ? `plugin "${def.id}"` : "plugin";
  const invalid = (message: string): void => {
    issues.push({ ...where, code: "ARK_PLUGIN_MANIFEST_INVALID", message: `${name}: ${message}` });
  };
  if (typeof def.id !== "string" || !PLUGIN_ID.test(def.id)) {
    invalid(`id ${JSON.stringify(def.id)} is not valid (lower-case words joined by "-", e.g. "tools-memory")`);
  }
  if (typeof def.version !== "string" || semver.valid(def.version) === null) {
    invalid(`version ${JSON.stringify(def.version)} is not a semver version (e.g. "1.0.0")`);
  }
  if (typeof def.kernel !== "string" || semver.validRange(def.kernel) === null) {
    invalid(`kernel range ${JSON.stringify(def.kernel)} is not a semver range (e.g. "^1.0.0")`);
  } else if (!semver.satisfies(KERNEL_API_VERSION, def.kernel)) {
    issues.push({
      ...where,
      code: "ARK_PLUGIN_KERNEL_MISMATCH",
      message: `${name} needs kernel API ${def.kernel} but this kernel provides ${KERNEL_API_VERSION}`,
    });
  }
  for (const hook of HOOKS) {
    if (def[hook] !== undefined && typeof def[hook] !== "function") invalid(`${hook} must be a function`);
  }
  if (def.requires !== undefined && !(Array.isArray(def.requires) && def.requires.every((r) => typeof r === "string"))) {
    invalid("requires must be an array of plugin ids");
  }
  for (const field of ["provides", "consumes"] as const) {
    const refs = def[field];
    if (refs !== undefined && !(Array.isArray(refs) && refs.every((r) => typeof r?.token === "string"))) {
      invalid(`${field} must be an array of service refs made with createServiceRef()`);
    }
  }
  if (def.onBootFailure !== undefined && def.onBootFailure !== "abort" && def.onBootFailure !== "continue") {
    invalid(`onBootFailure must be "abort" or "continue"`);
  }
  return issues;
}
