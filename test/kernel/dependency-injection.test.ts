import { inject, injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { coreServices, createServiceRef, definePlugin, isArkError } from "../../core/plugin-api/index.js";
import { startTestKernel } from "../../core/testing/index.js";

interface Greeter {
  greet(name: string): string;
}
const greeterRef = createServiceRef<Greeter>({ id: "test.greeter" });
const counterRef = createServiceRef<{ owner: string }>({ id: "test.per-plugin", scope: "plugin" });

// Explicit @inject tokens on every parameter: the only style that survives tsx/esbuild (DEPENDENCIES.md trap 2).
@injectable()
class PoliteGreeter implements Greeter {
  constructor(@inject(coreServices.kernel.token) private readonly kernel: { apiVersion: string }) {}
  greet(name: string): string {
    return `hello ${name} from kernel ${this.kernel.apiVersion}`;
  }
}

const provider = definePlugin({
  id: "greeter",
  version: "1.0.0",
  kernel: "^1.0.0",
  provides: [greeterRef, counterRef],
  register(r) {
    r.provide(greeterRef, (ctx) => new PoliteGreeter(ctx.get(coreServices.kernel)));
    r.provide(counterRef, (_ctx, consumer) => ({ owner: consumer }));
  },
});

describe("dependency injection", () => {
  it("resolves a consumed ref from its provider, which boots first", async () => {
    const seen: string[] = [];
    const consumer = definePlugin({
      id: "consumer",
      version: "1.0.0",
      kernel: "^1.0.0",
      consumes: [greeterRef, counterRef],
      init(ctx) {
        seen.push(ctx.get(greeterRef).greet("ark"));
        seen.push(ctx.get(counterRef).owner);
        seen.push(String(ctx.get(coreServices.logger).bindings().plugin));
      },
    });
    const kit = await startTestKernel({ plugins: [consumer, provider], builtins: [] });
    expect(seen).toEqual(["hello ark from kernel 1.0.0", "consumer", "consumer"]);
    expect(kit.report.plugins.map((p) => p.id)).toEqual(["greeter", "consumer"]);
    await kit.stop();
  });

  it("refuses a ref the plugin did not declare, naming plugin and ref", async () => {
    const sneaky = definePlugin({
      id: "sneaky",
      version: "1.0.0",
      kernel: "^1.0.0",
      requires: [],
      init(ctx) {
        ctx.get(greeterRef);
      },
    });
    const err = await startTestKernel({ plugins: [provider, sneaky], builtins: [] }).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_SERVICE_NOT_VISIBLE")).toBe(true);
    expect((err as Error).message).toBe('plugin "sneaky" resolved test.greeter without declaring it');
  });

  it("lets requiring the provider plugin stand in for consumes", async () => {
    let greeting = "";
    const viaRequires = definePlugin({
      id: "via-requires",
      version: "1.0.0",
      kernel: "^1.0.0",
      requires: ["greeter"],
      init(ctx) {
        greeting = ctx.get(greeterRef).greet("x");
      },
    });
    const kit = await startTestKernel({ plugins: [viaRequires, provider], builtins: [] });
    expect(greeting).toContain("hello x");
    await kit.stop();
  });

  it("reports a consumed ref nobody provides as a missing dependency", async () => {
    const lonely = definePlugin({ id: "lonely", version: "1.0.0", kernel: "^1.0.0", consumes: [greeterRef] });
    const err = await startTestKernel({ plugins: [lonely], builtins: [] }).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_PLUGIN_MISSING_DEPENDENCY")).toBe(true);
    expect((err as Error).message).toContain('plugin "lonely" consumes service test.greeter, which no listed plugin provides');
  });

  it("uses overrides instead of the provider", async () => {
    let greeting = "";
    const consumer = definePlugin({
      id: "consumer",
      version: "1.0.0",
      kernel: "^1.0.0",
      consumes: [greeterRef],
      init(ctx) {
        greeting = ctx.get(greeterRef).greet("fake");
      },
    });
    const kit = await startTestKernel({ plugins: [consumer], builtins: [], overrides: [{ ref: greeterRef, value: { greet: (n: string) => `fake ${n}` } }] });
    expect(greeting).toBe("fake fake");
    expect(kit.get(greeterRef).greet("y")).toBe("fake y");
    await kit.stop();
  });

  it("rejects provides without a provide() call and provide() of an undeclared ref", async () => {
    const forgetful = definePlugin({ id: "forgetful", version: "1.0.0", kernel: "^1.0.0", provides: [greeterRef] });
    const err1 = await startTestKernel({ plugins: [forgetful], builtins: [] }).catch((e: unknown) => e);
    expect((err1 as Error).message).toContain("never calls r.provide()");
    const undeclared = definePlugin({
      id: "undeclared",
      version: "1.0.0",
      kernel: "^1.0.0",
      register: (r) => r.provide(greeterRef, () => ({ greet: () => "" })),
    });
    const err2 = await startTestKernel({ plugins: [undeclared], builtins: [] }).catch((e: unknown) => e);
    expect((err2 as Error).message).toContain("does not list it in `provides`");
  });

  it("keeps two kernels' containers apart", async () => {
    const a = await startTestKernel({ plugins: [], builtins: [], overrides: [{ ref: greeterRef, value: { greet: () => "a" } }] });
    const b = await startTestKernel({ plugins: [], builtins: [], overrides: [{ ref: greeterRef, value: { greet: () => "b" } }] });
    expect(a.get(greeterRef).greet("")).toBe("a");
    expect(b.get(greeterRef).greet("")).toBe("b");
    await a.stop();
    await b.stop();
  });
});
