/**
 * search: text or regex over the files under a folder, filtered by a workspace glob. The walk never leaves the root
 * (symlinked folders are not entered, links pointing out are skipped), so no glob can reach outside it.
 */
import { readFile, stat } from "node:fs/promises";
import { ArkError, compileGlob, ToolInput, type ToolOperation } from "../../core/plugin-api/index.js";
import { conflict, notFound, openCall } from "./workspace-context.js";
import type { WorkspaceOperationFactory } from "./operation-types.js";
import { isHidden, walk } from "./walk.js";

const MAX_LINE_CHARS = 500;

function matcherOf(input: ToolInput): (line: string) => boolean {
  const query = input.requiredString("query");
  const caseSensitive = input.boolean("case_sensitive", true);
  if (!input.boolean("regex", false)) {
    const needle = caseSensitive ? query : query.toLowerCase();
    return (line) => (caseSensitive ? line : line.toLowerCase()).includes(needle);
  }
  try {
    const pattern = new RegExp(query, caseSensitive ? "" : "i");
    return (line) => pattern.test(line);
  } catch (cause) {
    throw new ArkError("ARK_TOOL_INPUT_INVALID", `query is not a valid regular expression: ${(cause as Error).message}`, { details: { field: "query" }, cause });
  }
}

function relativeTo(base: string, relative: string): string {
  return base === "." ? relative : relative.slice(base.length + 1);
}

/** `search`: `{query, path?, regex?, case_sensitive?, glob?, include_hidden?, max_results?}` → `{query, regex, matches[], truncated, files_scanned}`. */
export const searchOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Find lines containing a text (or matching a regex) in files under a folder; glob filters paths relative to that folder.",
  idempotent: true,
  input: {
    type: "object", required: ["query"], additionalProperties: false,
    properties: {
      query: { type: "string", minLength: 1 }, path: { type: "string" }, regex: { type: "boolean" }, case_sensitive: { type: "boolean" },
      glob: { type: "string", minLength: 1 }, include_hidden: { type: "boolean" }, max_results: { type: "integer", minimum: 1 },
    },
  },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const matches = matcherOf(input);
    const glob = compileGlob(input.string("glob", "**/*"));
    const maxResults = input.integer("max_results", 100, 1, call.settings.maxSearchResults);
    const includeHidden = input.boolean("include_hidden", false);
    const base = await call.guard.resolve(input.raw("path"));
    if (!base.exists) throw notFound("path", base);
    if (!(await stat(base.absolute)).isDirectory()) throw conflict("path", base, "not_a_directory", "is not a directory");
    const found: { path: string; line_number: number; line: string }[] = [];
    let truncated = false;
    let scanned = 0;
    walking: for await (const entry of walk(call.guard, base.absolute, true)) {
      const readable = entry.type === "file" || (entry.type === "symlink" && entry.linkTarget !== null && (await stat(entry.linkTarget)).isFile());
      if (!readable || (!includeHidden && isHidden(entry.relative)) || !glob.test(relativeTo(base.relative, entry.relative))) continue;
      const size = entry.type === "file" ? entry.stat.size : (await stat(entry.linkTarget!)).size;
      if (size > call.settings.maxSearchFileBytes) continue;
      const data = await readFile(entry.linkTarget ?? entry.absolute).catch(() => null);
      if (!data || data.subarray(0, 8192).includes(0)) continue;
      scanned += 1;
      const lines = data.toString("utf8").split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        if (!matches(lines[i]!)) continue;
        if (found.length >= maxResults) {
          truncated = true;
          break walking;
        }
        found.push({ path: entry.relative, line_number: i + 1, line: lines[i]!.slice(0, MAX_LINE_CHARS) });
      }
    }
    return { query: input.requiredString("query"), regex: input.boolean("regex", false), matches: found, truncated, files_scanned: scanned };
  },
});
