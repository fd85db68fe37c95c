/**
 * Idempotency after a simulated crash (issue #6): a tool call whose side effect happened, but whose answer never
 * reached the caller because the kernel "died", is replayed with the same idempotency key on a FRESH kernel over the
 * same database (PGlite data folder; PostgreSQL too with ARK_TEST_DATABASE_URL) and the same workspace root. The
 * replay answers the first result (`replayed: true`) and the side effect happened once: one git commit, one memory
 * row — even though the workspace changed meanwhile, so a re-run commit would have committed again.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreServices, definePlugin, toolHostRef, type ToolCall, type ToolInvocationResult } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import gitPlugin from "../../plugins/tools-git/index.js";
import memoryPlugin from "../../plugins/tools-memory/index.js";
import workspacePlugin from "../../plugins/tools-workspace/index.js";
import { TEST_DATABASE_URL, urlWithSearchPath } from "../support/store-harness.js";

const withTooling = definePlugin({ id: "test-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] });
const scope = { workspace: "replay", flowchart_run_id: "41", node_run_id: "99" };
const GIT_ENV = { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };

interface StoreUnderTest {
  readonly store: Record<string, unknown>;
  dispose(): Promise<void>;
}

function suite(name: string, makeStore: (dir: string) => Promise<StoreUnderTest>): void {
  describe(name, () => {
    let dir: string;
    let store: StoreUnderTest;
    let kernel: TestKernel | undefined;
    let repo: string;
    const bootKernel = () =>
      startTestKernel({
        plugins: [workspacePlugin, gitPlugin, memoryPlugin, withTooling],
        pluginConfig: { "tools-workspace": { root: path.join(dir, "ws") }, "tools-git": { root: path.join(dir, "ws") } },
        config: { store: store.store, kernel: { pluginTimeoutMs: 120_000 } },
      });
    const invoke = (call: ToolCall): Promise<ToolInvocationResult> => kernel!.get(toolHostRef).invoke(call);
    const commits = () => Number(execFileSync("git", ["rev-list", "--count", "--all"], { cwd: repo, env: GIT_ENV, encoding: "utf8" }).trim());
    const memories = async () => Number((await kernel!.get(coreServices.store).query<{ n: string }>("SELECT count(*) AS n FROM ark_memories")).rows[0]!.n);

    const commit: ToolCall = { domain: "git", operation: "commit", input: { path: "repo", message: "Add notes" }, idempotencyKey: "node_run:99:git.commit", scope };
    const remember: ToolCall = { domain: "memory", operation: "add", input: { text: "Replayed once, stored once." }, idempotencyKey: "node_run:99:memory.add", scope };
    let firstCommit: ToolInvocationResult;
    let firstMemory: ToolInvocationResult;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "ark-replay-"));
      store = await makeStore(dir);
      repo = path.join(dir, "ws", "replay", "run-41", "repo");
      await mkdir(repo, { recursive: true });
      execFileSync("git", ["init", "--quiet", repo], { env: GIT_ENV });
      kernel = await bootKernel();
      expect((await invoke({ domain: "workspace", operation: "write", input: { path: "repo/notes.md", content: "first\n" }, scope })).status).toBe("success");
      // The side effects happen; then the kernel "dies" before the caller sees the answers (kept here only to compare).
      firstCommit = await invoke(commit);
      firstMemory = await invoke(remember);
      await kernel.stop();
      kernel = undefined;
      // The workspace moves on while nobody is running: a commit that ran again would have something to commit.
      await writeFile(path.join(repo, "later.md"), "written after the crash\n");
      kernel = await bootKernel();
    }, 300_000); // two kernel boots over one database: slow only on a loaded machine

    afterAll(async () => {
      await kernel?.stop();
      await store?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it("ran each side effect once before the crash", async () => {
      expect(firstCommit).toMatchObject({ status: "success", replayed: false, output: { committed: true } });
      expect(firstMemory).toMatchObject({ status: "success", replayed: false, output: { stored_memory: { description: "Replayed once, stored once." } } });
    });

    it("replays the git commit on the fresh kernel: the first result, one commit", async () => {
      const replay = await invoke(commit);
      expect(replay).toMatchObject({ status: "success", replayed: true, trace: { replayed: true } });
      expect(replay.output).toEqual(firstCommit.output);
      expect(commits()).toBe(1);
      expect((await invoke(commit)).replayed).toBe(true);
      expect(commits()).toBe(1);
    });

    it("replays the memory add on the fresh kernel: the first result, one row", async () => {
      const replay = await invoke(remember);
      expect(replay).toMatchObject({ status: "success", replayed: true });
      expect(replay.output).toEqual(firstMemory.output);
      expect(await memories()).toBe(1);
    });

    it("refuses the same key with another input, and runs a new key (so the counts above could have moved)", async () => {
      const conflict = await invoke({ ...remember, input: { text: "Something else" } });
      expect(conflict).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_IDEMPOTENCY_CONFLICT" } });
      expect(await memories()).toBe(1);
      expect((await invoke({ ...commit, input: { path: "repo", message: "Other" } })).error?.code).toBe("ARK_TOOL_IDEMPOTENCY_CONFLICT");
      expect(commits()).toBe(1);
      const fresh = await invoke({ ...commit, idempotencyKey: "node_run:100:git.commit" });
      expect(fresh).toMatchObject({ status: "success", replayed: false, output: { committed: true } });
      expect(commits()).toBe(2);
    });
  });
}

suite("tool call replayed after a crash [pglite data folder]", async (dir) => ({ store: { driver: "pglite", dataDir: path.join(dir, "data") }, dispose: async () => undefined }));

const postgresSuite = TEST_DATABASE_URL ? suite : (name: string) => describe.skip(`${name} (set ARK_TEST_DATABASE_URL to run it)`, () => undefined);
postgresSuite("tool call replayed after a crash [postgres]", async () => {
  const schema = `ark_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    store: { driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, schema) },
    dispose: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
});
