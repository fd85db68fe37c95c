import { coreServices, createServiceRef, definePlugin } from "../../core/plugin-api/index.js";
import { runPluginConformance } from "../../core/testing/index.js";

const counterRef = createServiceRef<{ next(): Promise<number> }>({ id: "sample.counter" });

// A plugin that uses the store, provides a service and has a config schema with defaults: what the suite is for.
const sample = definePlugin<{ start: number }>({
  id: "sample-counter",
  version: "1.0.0",
  kernel: "^1.0.0",
  requires: ["store"],
  provides: [counterRef],
  configSchema: { type: "object", properties: { start: { type: "integer", default: 1 } } },
  register(r) {
    r.schemaMigration({ id: "0001_counter", sql: "CREATE TABLE IF NOT EXISTS sample_counter (n integer not null)" });
    r.provide(counterRef, (ctx) => ({
      next: async () => {
        const { rows } = await ctx.get(coreServices.store).query<{ n: number }>("INSERT INTO sample_counter (n) VALUES ($1) RETURNING n", [ctx.config.start]);
        return rows[0]!.n;
      },
    }));
  },
  async init(ctx) {
    await ctx.get(coreServices.store).query("SELECT count(*) FROM sample_counter");
  },
});

runPluginConformance(sample);
