import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pluginModule, spawnArk, tempProject } from "../support/cli.js";

function waitFor(child: ReturnType<typeof spawnArk>, text: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => (seen += c.toString()));
    child.on("exit", () => seen.includes(text) || reject(new Error(`exited before "${text}":\n${seen}`)));
  });
}

describe("ark start", () => {
  it("boots the configured plugins, serves until SIGINT, then stops them and exits 0", async () => {
    const marker = "stopped.txt";
    const cwd = tempProject({
      "lamp.mjs": pluginModule(
        "lamp",
        { type: "object", properties: { colour: { type: "string", default: "amber" } } },
        `requires: ["store"], async start(ctx) { const r = await ctx.get((await import(${JSON.stringify(
          path.resolve("core/plugin-api/index.ts"),
        )})).coreServices.store).query("select 41 + 1 as answer"); ctx.logger.info({ answer: r.rows[0].answer }, "lamp on"); },
        async stop(ctx) { (await import("node:fs")).writeFileSync(${JSON.stringify(marker)}, "colour=" + ctx.config.colour); }`,
      ),
      "runtime.config.yaml": "kernel:\n  logLevel: info\napi:\n  port: 0\nstore:\n  driver: pglite\n  dataDir: .ark/data\nplugins:\n  - from: ./lamp.mjs\n",
    });
    // No template dump: the first boot creates the cluster (initdb) exactly as on a fresh machine.
    const child = spawnArk(["start"], { cwd, env: { ARK_PGLITE_TEMPLATE: "" } });
    const output = await waitFor(child, "ARK running");
    // store, events, api, execution, flow, flow-api, tooling, tooling-api, migration (the built-ins `start` demands) and lamp.
    expect(output).toMatch(/ARK running: 11 plugins started in [\d.]+ ms, API on http:\/\/127\.0\.0\.1:(\d+)/);
    const url = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    const health = (await (await fetch(`${url}/api/health`)).json()) as { startup_report: { plugins: { id: string; status: string }[] } };
    expect(health.startup_report.plugins.map((p) => [p.id, p.status])).toContainEqual(["lamp", "started"]);
    expect(output).toContain('"answer":42');
    const flowcharts = (await (await fetch(`${url}/api/flowcharts`)).json()) as { ok: boolean; total_count: number };
    expect(flowcharts).toMatchObject({ ok: true, total_count: 0 });
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(existsSync(path.join(cwd, marker))).toBe(true);
    expect(readFileSync(path.join(cwd, marker), "utf8")).toBe("colour=amber");
    expect(existsSync(path.join(cwd, ".ark/data/PG_VERSION"))).toBe(true);
  }, 90_000);
});
