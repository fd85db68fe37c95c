/**
 * The plugin-set hash: which plugins (ids and versions) an executor carries. The executor reports it in its start
 * marker and the dispatchers compare it with the one they expect (a bundle's `bundle.json`, or config), so a node
 * never runs on an executor built from a different plugin set.
 */
import { createHash } from "node:crypto";

/** sha256 (hex) over the sorted `id@version` list, one per line. Order of the input does not matter. */
export function pluginSetHash(plugins: readonly { readonly id: string; readonly version: string }[]): string {
  const lines = [...new Set(plugins.map((p) => `${p.id}@${p.version}`))].sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}
