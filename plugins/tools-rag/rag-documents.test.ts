// File walk and chunkers: skips (binary, too large, symlinks, excluded folders and globs, include/exclude), sha1
// fingerprints, and chunks per file type with the line numbers citations use.
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkFile, docTypeOf, fingerprintOf, walkSource } from "./rag-documents.js";
import { writeTree } from "./test-support.js";

describe("walkSource", () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "rag-walk-"));
    outside = await mkdtemp(path.join(tmpdir(), "rag-outside-"));
    await writeTree(outside, { "secret.md": "# Secret\ntop secret" });
    await writeTree(root, {
      "README.md": "# Hello\nworld", "src/a.ts": "export const a = 1;\n", "notes/b.txt": "plain text",
      "node_modules/dep/index.js": "module.exports = 1;", ".git/config": "[core]", "dist/out.js": "x",
      "img/logo.png": Buffer.from([0x89, 0x50]), "bin/blob.ts": Buffer.from([0x61, 0x00, 0x62]),
      "big.md": "x".repeat(5000), "tmp/skip.md": "# skip me", "data.unknownext": "??",
    });
    await symlink(path.join(outside, "secret.md"), path.join(root, "leak.md"));
    await symlink(outside, path.join(root, "linked-dir"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("reads indexable files in sorted order and reports every skip with its reason", async () => {
    const { files, skipped } = await walkSource(root, { maxFileBytes: 1000, exclude: ["tmp/**"] });
    expect(files.map((f) => f.path)).toEqual(["notes/b.txt", "README.md", "src/a.ts"]);
    expect(files.map((f) => f.docType)).toEqual(["text", "markdown", "code"]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({ "big.md": "too_large", "bin/blob.ts": "binary", "data.unknownext": "no_chunker", "leak.md": "symlink", "linked-dir": "symlink" });
    expect(JSON.stringify(files)).not.toContain("top secret");
  });

  it("skips a file whose NUL byte comes after the first 2 KiB as binary too (PostgreSQL cannot store it)", async () => {
    const late = await mkdtemp(path.join(tmpdir(), "rag-late-nul-"));
    try {
      await writeTree(late, { "notes.md": `${"# Notes\n".repeat(400)}tail\u0000end`, "clean.md": "# Clean" });
      const { files, skipped } = await walkSource(late, { maxFileBytes: 100_000 });
      expect(files.map((f) => f.path)).toEqual(["clean.md"]);
      expect(skipped).toEqual([{ path: "notes.md", reason: "binary" }]);
    } finally {
      await rm(late, { recursive: true, force: true });
    }
  });

  it("include globs act as a whitelist", async () => {
    const { files } = await walkSource(root, { maxFileBytes: 1_000_000, include: ["**/*.ts"] });
    expect(files.map((f) => f.path)).toEqual(["src/a.ts"]);
  });

  it("refuses globs that leave the folder", async () => {
    await expect(walkSource(root, { maxFileBytes: 1000, include: ["../**"] })).rejects.toMatchObject({ code: "ARK_WORKSPACE_PATH_ESCAPE" });
  });

  it("fingerprints are sha1 of the bytes", () => {
    expect(fingerprintOf(Buffer.from("abc"))).toBe("sha1:a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(docTypeOf("x/Makefile")).toBe("text");
    expect(docTypeOf("a.yaml")).toBe("structured");
  });
});

describe("chunkFile", () => {
  it("markdown: one chunk per heading section, with its heading and lines", () => {
    const text = "intro line\n\n# Install\nrun npm i\n\n## Usage\ncall it\n```\n# not a heading\n```\n";
    const chunks = chunkFile(text, "markdown", { maxChars: 2000, overlapLines: 2 });
    expect(chunks.map((c) => [c.heading, c.startLine, c.endLine])).toEqual([[null, 1, 1], ["Install", 3, 4], ["Usage", 6, 10]]);
    expect(chunks[2]!.content).toContain("# not a heading");
  });

  it("code: overlapping line windows that cover every line", () => {
    const text = Array.from({ length: 60 }, (_, i) => `const v${i} = ${i}; // padding padding padding`).join("\n");
    const chunks = chunkFile(text, "code", { maxChars: 500, overlapLines: 2 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]!.startLine).toBe(1);
    expect(chunks.at(-1)!.endLine).toBe(60);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.startLine).toBe(chunks[i - 1]!.endLine - 1);
    expect(chunks[1]!.content.split("\n")[0]).toBe(`const v${chunks[1]!.startLine - 1} = ${chunks[1]!.startLine - 1}; // padding padding padding`);
  });

  it("prose: paragraph-aligned windows without overlap", () => {
    const para = (n: number) => Array.from({ length: 4 }, () => `paragraph ${n} sentence with words.`).join("\n");
    const text = [para(1), para(2), para(3), para(4)].join("\n\n");
    const chunks = chunkFile(text, "text", { maxChars: 300, overlapLines: 3 });
    expect(chunks.length).toBeGreaterThan(1);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.startLine).toBeGreaterThan(chunks[i - 1]!.endLine);
    expect(chunks.every((c) => c.content.trim() === c.content && c.content.split("\n").length === c.endLine - c.startLine + 1)).toBe(true);
  });

  it("html: tags stripped, line numbers kept", () => {
    const chunks = chunkFile("<html>\n<script>\nvar x = 1;\n</script>\n<p>Hello &amp; welcome</p>\n</html>", "html", { maxChars: 2000, overlapLines: 0 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.content).toBe("Hello & welcome");
    expect([chunks[0]!.startLine, chunks[0]!.endLine]).toEqual([5, 5]);
    expect(chunks[0]!.content).not.toContain("var x");
  });
});
