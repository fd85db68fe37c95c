/**
 * The file paths a unified diff touches, read from its headers (`---`/`+++`, git's rename/copy lines), with the
 * `-p` strip applied — so every one can go through the path guard before anything is applied.
 */
import { ArkError } from "../../core/plugin-api/index.js";

/** What a patch would touch. */
export interface PatchTargets {
  readonly paths: readonly string[];
  /** True when the patch creates or changes a symlink (git mode 120000). */
  readonly touchesSymlinks: boolean;
}

function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const body = raw.slice(1, raw.lastIndexOf('"'));
  return body.replace(/\\(["\\tn])/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c));
}

function headerPath(rest: string): string | null {
  const cleaned = unquote(rest.split("\t")[0]!.trim());
  return cleaned === "/dev/null" || cleaned === "" ? null : cleaned;
}

function strip(file: string, count: number): string {
  const parts = file.split("/");
  if (parts.length <= count) throw new ArkError("ARK_WORKSPACE_PATCH_FAILED", `Patch path "${file}" has fewer than ${count + 1} components (strip: ${count}).`, { details: { path: file } });
  return parts.slice(count).join("/");
}

/** Reads the targets of a unified diff; ARK_WORKSPACE_PATCH_FAILED when it names no file at all. */
export function patchTargets(patch: string, stripCount: number): PatchTargets {
  const paths = new Set<string>();
  let touchesSymlinks = false;
  for (const line of patch.split(/\r?\n/)) {
    let file: string | null = null;
    let stripped = true;
    if (line.startsWith("--- ") || line.startsWith("+++ ")) file = headerPath(line.slice(4));
    else if (/^(rename|copy) (from|to) /.test(line)) {
      file = unquote(line.replace(/^(rename|copy) (from|to) /, ""));
      stripped = false;
    } else if (/^(new file mode|deleted file mode|old mode|new mode|index [0-9a-f.]+) ?120000/.test(line)) touchesSymlinks = true;
    if (file !== null) paths.add(stripped ? strip(file, stripCount) : file);
  }
  if (paths.size === 0) throw new ArkError("ARK_WORKSPACE_PATCH_FAILED", "The patch names no file (no ---/+++ headers); send a unified diff.", { details: {} });
  return { paths: [...paths], touchesSymlinks };
}
