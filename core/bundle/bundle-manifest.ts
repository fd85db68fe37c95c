/**
 * `bundle.json`: what an executor image contains and how to check it. The plugin-set hash is computed from the inputs
 * (kernel version, plugin ids, versions and source hashes), so the executor can report it in its start marker and a
 * dispatcher can compare it with the manifest of the image it expects — before any node work runs.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ArkError, errorMessage } from "../errors/index.js";
import type { BundlePlugin } from "./plugin-set.js";

/** The manifest written next to each image class's bundle. */
export interface BundleManifest {
  readonly schema: "ark.bundle/v1";
  readonly image_class: string;
  readonly image: string | null;
  readonly kernel_version: string;
  readonly ark_version: string;
  readonly base_image: string;
  readonly plugins: readonly { id: string; version: string; source_sha256: string }[];
  readonly plugin_set_hash: string;
  readonly executors: readonly string[];
  readonly node_types: readonly string[];
  readonly tool_domains: readonly string[];
  /** `sha256:<hex>` of every other file in the class's output folder. */
  readonly files: Readonly<Record<string, string>>;
}

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of some bytes. */
export function sha256Tag(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A bundle's plugin-set hash: one plugin's code or version changing changes it; the order they were listed in does not. */
export function bundlePluginSetHash(kernelVersion: string, plugins: readonly BundlePlugin[]): string {
  const set = [...plugins].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => ({ id: p.id, version: p.version, source_sha256: p.sourceSha256 }));
  // Plain hex, like the source executor's id@version hash (core/execution/plugin-set-hash.ts) it is compared with.
  return createHash("sha256").update(canonicalJson({ kernel_version: kernelVersion, plugins: set })).digest("hex");
}

/** Pretty, key-sorted manifest text (stable bytes, readable in review). */
export function manifestText(manifest: BundleManifest): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(manifest)), null, 2)}\n`;
}

/** Reads and shape-checks a `bundle.json` (ARK_BUNDLE_MANIFEST_INVALID when it is not one). */
export function readBundleManifest(file: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ArkError("ARK_BUNDLE_MANIFEST_INVALID", `Cannot read bundle manifest ${file}: ${errorMessage(err)}`, { details: { file } });
  }
  const m = value as Partial<BundleManifest> | null;
  const ok = m !== null && typeof m === "object" && m.schema === "ark.bundle/v1" && typeof m.plugin_set_hash === "string"
    && typeof m.image_class === "string" && Array.isArray(m.node_types) && Array.isArray(m.tool_domains) && Array.isArray(m.plugins);
  if (!ok) throw new ArkError("ARK_BUNDLE_MANIFEST_INVALID", `${file} is not an ARK bundle manifest (schema ark.bundle/v1).`, { details: { file } });
  return m as BundleManifest;
}
