/**
 * Which files a RAG index reads and how each is cut into chunks (reference tools-and-migration §4.3): a sorted walk
 * that skips build/VCS folders, media and archives, binaries (a NUL byte anywhere: the reference looks at the first
 * 2 KiB only, but PostgreSQL cannot store a later NUL either, so such a file failed the whole index), files over the size
 * cap and symlinks (never followed, so an index cannot read outside its source folder); then a chunker per file type
 * that keeps line numbers, so every retrieved chunk can be cited as `path:start-end`.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { compileGlob } from "../../core/plugin-api/index.js";

/** File types with a chunker. */
export type DocType = "markdown" | "code" | "text" | "structured" | "html";

/** One chunk of a file, with the lines it spans (1-based, inclusive). */
export interface Chunk {
  readonly index: number;
  readonly startLine: number;
  readonly endLine: number;
  readonly heading: string | null;
  readonly content: string;
}

/** A file the walk selected, read and fingerprinted. */
export interface SourceFile {
  readonly path: string;
  readonly docType: DocType;
  readonly fingerprint: string;
  readonly text: string;
}

/** A file the walk saw but will not index, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: "binary" | "too_large" | "no_chunker" | "symlink";
}

const EXCLUDED_DIRS = new Set([".git", ".idea", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".venv", ".vscode", "__pycache__", "build", "data", "dist", "node_modules", "out", "target", "venv", ".ark"]);
const EXCLUDED_GLOBS = ["*.png", "*.jpg", "*.jpeg", "*.gif", "*.svg", "*.zip", "*.tar", "*.gz", "*.tgz", "*.lock", "*.mp4", "*.mov", "*.sqlite", "*.db", "*.bin", "*.pdf"].map((g) => compileGlob(g));

const EXTENSIONS: Record<string, DocType> = {
  ".md": "markdown", ".mdx": "markdown", ".markdown": "markdown", ".rst": "text", ".txt": "text", ".csv": "text", ".toml": "structured",
  ".ini": "structured", ".cfg": "structured", ".json": "structured", ".yaml": "structured", ".yml": "structured", ".xml": "structured",
  ".html": "html", ".htm": "html",
};
const CODE = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py", ".go", ".java", ".kt", ".rs", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".rb", ".php", ".swift", ".scala", ".sh", ".bash", ".sql", ".css", ".scss", ".vue", ".svelte"];
for (const ext of CODE) EXTENSIONS[ext] = "code";

/** The chunker a file gets, by extension (null: not indexed). */
export function docTypeOf(file: string): DocType | null {
  const base = path.basename(file).toLowerCase();
  if (["readme", "license", "changelog", "makefile", "dockerfile"].includes(base)) return "text";
  return EXTENSIONS[path.extname(base)] ?? null;
}

/** sha1 fingerprint of a file's bytes, as the reference stores it (`sha1:<hex>`). */
export function fingerprintOf(bytes: Uint8Array): string {
  return `sha1:${createHash("sha1").update(bytes).digest("hex")}`;
}

/** Walk options. */
export interface WalkOptions {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly maxFileBytes: number;
}

/** Every indexable file under `root` (sorted, `/`-separated relative paths) and every skipped one. */
export async function walkSource(root: string, options: WalkOptions): Promise<{ files: SourceFile[]; skipped: SkippedFile[] }> {
  const include = (options.include ?? []).map((g) => compileGlob(g, "include"));
  const exclude = [...EXCLUDED_GLOBS, ...(options.exclude ?? []).map((g) => compileGlob(g, "exclude"))];
  const files: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      if (entry.isSymbolicLink()) {
        skipped.push({ path: rel, reason: "symlink" });
      } else if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) await visit(full);
      } else if (entry.isFile() && !exclude.some((g) => g.test(rel) || g.test(entry.name)) && (include.length === 0 || include.some((g) => g.test(rel) || g.test(entry.name)))) {
        const read = await readSourceFile(full, rel, options.maxFileBytes);
        if ("reason" in read) skipped.push(read);
        else files.push(read);
      }
    }
  };
  await visit(root);
  return { files, skipped };
}

async function readSourceFile(full: string, rel: string, maxFileBytes: number): Promise<SourceFile | SkippedFile> {
  const docType = docTypeOf(rel);
  if (!docType) return { path: rel, reason: "no_chunker" };
  if ((await lstat(full)).size > maxFileBytes) return { path: rel, reason: "too_large" };
  const bytes = await readFile(full);
  if (bytes.includes(0)) return { path: rel, reason: "binary" };
  return { path: rel, docType, fingerprint: fingerprintOf(bytes), text: bytes.toString("utf8") };
}

/** Chunk sizes. */
export interface ChunkOptions {
  readonly maxChars: number;
  readonly overlapLines: number;
}

/** Cuts a file into chunks by its type: markdown by heading sections, html as text, the rest by line windows. */
export function chunkFile(text: string, docType: DocType, options: ChunkOptions): Chunk[] {
  const lines = (docType === "html" ? stripTags(text) : text).split(/\r?\n/);
  const sections = docType === "markdown" ? markdownSections(lines) : [{ start: 0, end: lines.length, heading: null }];
  const chunks: Chunk[] = [];
  for (const section of sections) {
    for (const window of lineWindows(lines, section.start, section.end, docType === "text" || docType === "markdown" || docType === "html", options)) {
      // Cite the lines that hold text: blank lines at a window's edges are not part of what it says.
      let first = window.start;
      let last = window.end - 1;
      while (first <= last && lines[first]!.trim() === "") first++;
      while (last >= first && lines[last]!.trim() === "") last--;
      if (first <= last) chunks.push({ index: chunks.length, startLine: first + 1, endLine: last + 1, heading: section.heading, content: lines.slice(first, last + 1).join("\n") });
    }
  }
  return chunks;
}

function markdownSections(lines: readonly string[]): { start: number; end: number; heading: string | null }[] {
  const sections: { start: number; end: number; heading: string | null }[] = [];
  let fence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = fence ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading || i === 0) sections.push({ start: i, end: lines.length, heading: heading ? heading[1]! : null });
  });
  for (let i = 0; i < sections.length - 1; i++) sections[i] = { ...sections[i]!, end: sections[i + 1]!.start };
  return sections;
}

/**
 * Windows of whole lines up to maxChars, preferring to end at a blank line (a paragraph or a code block boundary);
 * code windows overlap by a few lines so a definition cut at a window edge is still found whole in one of them.
 */
function lineWindows(lines: readonly string[], start: number, end: number, prose: boolean, options: ChunkOptions): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  let from = start;
  while (from < end) {
    let size = 0;
    let to = from;
    let lastBlank = -1;
    while (to < end && (to === from || size + lines[to]!.length + 1 <= options.maxChars)) {
      size += lines[to]!.length + 1;
      if (lines[to]!.trim() === "" && to > from) lastBlank = to;
      to++;
    }
    if (to < end && lastBlank > from + (to - from) / 2) to = lastBlank;
    windows.push({ start: from, end: to });
    if (to >= end) break;
    from = prose ? to : Math.max(from + 1, to - options.overlapLines);
  }
  return windows;
}

function stripTags(html: string): string {
  return html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, (m) => "\n".repeat(m.split("\n").length - 1)).replace(/<[^>]+>/g, "").replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}
