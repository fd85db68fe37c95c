import { describe, expect, it } from "vitest";
import { isArkError } from "../../core/errors/index.js";
import { startTestKernel } from "../../core/testing/index.js";
import { recordingPlugin, type Journal } from "../support/plugins.js";

const boot = (plugins: Parameters<typeof startTestKernel>[0]["plugins"], extra: Partial<Parameters<typeof startTestKernel>[0]> = {}) =>
  startTestKernel({ plugins, builtins: [], ...extra });

async function bootError(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (err) {
    if (isArkError(err)) return err;
    throw err;
  }
  throw new Error("expected the boot to fail");
}

describe("kernel lifecycle", () => {
  it("runs register → init → start in dependency order and stops in reverse", async () => {
    const journal: Journal = [];
    // Listed out of order on purpose: the graph, not the list, decides.
    const kit = await boot([
      recordingPlugin("c", journal, { requires: ["b"] }),
      recordingPlugin("b", journal, { requires: ["a"] }),
      recordingPlugin("a", journal),
    ]);
    expect(journal).toEqual(["register:a", "register:b", "register:c", "init:a", "init:b", "init:c", "start:a", "start:b", "start:c"]);
    expect(kit.report.plugins.map((p) => [p.id, p.status])).toEqual([["a", "started"], ["b", "started"], ["c", "started"]]);
    await kit.stop();
    expect(journal.slice(-3)).toEqual(["stop:c", "stop:b", "stop:a"]);
    expect(kit.kernel.report.plugins.every((p) => p.status === "stopped")).toBe(true);
  });

  it("stop is idempotent and safe without start", async () => {
    const journal: Journal = [];
    const kit = await boot([recordingPlugin("a", journal)]);
    await kit.stop();
    await kit.stop();
    expect(journal.filter((e) => e === "stop:a")).toHaveLength(1);
    const { createKernel } = await import("../../core/kernel/index.js");
    const { configSourceFromObject } = await import("../../core/config/index.js");
    const idle = await createKernel({ source: configSourceFromObject({ plugins: [] }), builtins: [] });
    await idle.stop();
    await idle.stop();
    expect(idle.state).toBe("stopped");
  });

  it("refuses to start twice", async () => {
    const kit = await boot([recordingPlugin("a", [])]);
    const err = await bootError(() => kit.kernel.start());
    expect(err.code).toBe("ARK_KERNEL_STATE");
    await kit.stop();
  });

  it("reports a dependency cycle with its path", async () => {
    const err = await bootError(() =>
      boot([recordingPlugin("a", [], { requires: ["c"] }), recordingPlugin("b", [], { requires: ["a"] }), recordingPlugin("c", [], { requires: ["b"] })]),
    );
    expect(err.code).toBe("ARK_PLUGIN_CYCLE");
    expect(err.message).toContain("a → c → b → a");
  });

  it("lists every missing dependency at once", async () => {
    const err = await bootError(() =>
      boot([recordingPlugin("a", [], { requires: ["ghost", "phantom"] }), recordingPlugin("b", [], { requires: ["spook"] })]),
    );
    expect(err.code).toBe("ARK_PLUGIN_MISSING_DEPENDENCY");
    for (const missing of ['"ghost"', '"phantom"', '"spook"']) expect(err.message).toContain(missing);
    expect((err.details.issues as unknown[]).length).toBe(3);
  });

  it("rejects a plugin built for another kernel API version", async () => {
    const err = await bootError(() => boot([recordingPlugin("old", [], { kernel: "^0.9.0" })]));
    expect(err.code).toBe("ARK_PLUGIN_KERNEL_MISMATCH");
    expect(err.message).toContain('plugin "old" needs kernel API ^0.9.0 but this kernel provides 1.0.0');
  });

  it("rejects duplicate contribution ids, naming both plugins", async () => {
    const dispatcher = (id: string) => ({ id, dispatch: async () => ({}) as never });
    const err = await bootError(() =>
      boot([
        recordingPlugin("one", [], { register: (r) => r.dispatcher(dispatcher("inline")) }),
        recordingPlugin("two", [], { register: (r) => r.dispatcher(dispatcher("inline")) }),
      ]),
    );
    expect(err.code).toBe("ARK_CONTRIBUTION_DUPLICATE");
    expect(err.message).toBe('dispatcher "inline" is contributed by both plugin "one" and plugin "two"');
  });

  it("times out a hanging init and names the plugin", async () => {
    const journal: Journal = [];
    const err = await bootError(() =>
      boot([recordingPlugin("fast", journal), recordingPlugin("slow", journal, { hangIn: "init" })], { timeoutMs: { slow: 50 } }),
    );
    expect(err.code).toBe("ARK_PLUGIN_TIMEOUT");
    expect(err.message).toBe('plugin "slow" did not finish init within 50 ms');
    // The already-initialised plugin was rolled back.
    expect(journal).toContain("stop:fast");
  });

  it("stops started plugins in reverse order when a later start fails", async () => {
    const journal: Journal = [];
    const err = await bootError(() =>
      boot([
        recordingPlugin("a", journal),
        recordingPlugin("b", journal, { requires: ["a"] }),
        recordingPlugin("c", journal, { requires: ["b"], failIn: "start" }),
      ]),
    );
    expect(err.code).toBe("ARK_PLUGIN_START_FAILED");
    expect(err.message).toContain('plugin "c" failed in start: c broke in start');
    const afterFailure = journal.slice(journal.indexOf("start:c") + 1);
    expect(afterFailure).toEqual(["stop:c", "stop:b", "stop:a"]);
  });

  it("continues without a failing plugin when onBootFailure is continue, failing its dependents", async () => {
    const journal: Journal = [];
    const kit = await boot(
      [
        recordingPlugin("base", journal),
        recordingPlugin("flaky", journal, { failIn: "init" }),
        recordingPlugin("needs-flaky", journal, { requires: ["flaky"] }),
      ],
      { onBootFailure: { flaky: "continue", "needs-flaky": "continue" } },
    );
    const byId = Object.fromEntries(kit.report.plugins.map((p) => [p.id, p]));
    expect(byId.base!.status).toBe("started");
    expect(byId.flaky!.status).toBe("failed");
    expect(byId.flaky!.error?.code).toBe("ARK_PLUGIN_INIT_FAILED");
    expect(byId["needs-flaky"]!.status).toBe("failed");
    expect(byId["needs-flaky"]!.error).toEqual({ code: "ARK_PLUGIN_DEPENDENCY_FAILED", message: 'plugin "needs-flaky" failed because dependency "flaky" failed' });
    expect(journal).not.toContain("init:needs-flaky");
    expect(kit.report.ok).toBe(false);
    await kit.stop();
  });

  it("aborts when a dependent of a continue-plugin is itself abort", async () => {
    const err = await bootError(() =>
      boot([recordingPlugin("flaky", [], { failIn: "init" }), recordingPlugin("strict", [], { requires: ["flaky"] })], {
        onBootFailure: { flaky: "continue" },
      }),
    );
    expect(err.code).toBe("ARK_PLUGIN_DEPENDENCY_FAILED");
  });

  it("fills the startup report with timings and contributions", async () => {
    const kit = await boot([
      recordingPlugin("tools", [], { register: (r) => r.toolDomain({ id: "memory", operations: {} }) }),
    ]);
    const tools = kit.report.plugins.find((p) => p.id === "tools")!;
    expect(tools.contributions).toEqual({ toolDomain: ["memory"] });
    for (const key of ["registerMs", "initMs", "startMs"] as const) expect(tools[key]).toBeGreaterThanOrEqual(0);
    expect(kit.report.ok).toBe(true);
    await kit.stop();
  });
});
