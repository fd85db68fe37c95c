import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import { definePlugin } from "../plugin-api/plugin.js";
import { createStoreModule } from "../store/store-module.js";
import { startTestKernel } from "../testing/start-test-kernel.js";
import type { EventBus } from "./event-bus.js";
import { eventBusRef } from "./event-bus-ref.js";
import { createEventsModule } from "./events-module.js";

describe("events module", () => {
  it("declares a lazy built-in that needs the store and provides the event bus", () => {
    const module = createEventsModule();
    expect(module).toMatchObject({ id: "events", lazy: true, requires: ["store"], provides: [eventBusRef] });
    expect(eventBusRef.id).toBe("core.events");
  });

  it("boots in a kernel: plugins get the bus, their channels get committed events, stop closes the bus", async () => {
    const published: EventEnvelope[] = [];
    let busSeenByPlugin: EventBus | undefined;
    const probe = definePlugin({
      id: "probe",
      version: "1.0.0",
      kernel: "^1.0.0",
      requires: ["events"],
      consumes: [eventBusRef],
      register(r) {
        r.eventChannel({ id: "probe-channel", publish: (event) => void published.push(event) });
      },
      start(ctx) {
        busSeenByPlugin = ctx.get(eventBusRef);
      },
    });
    const kernel = await startTestKernel({
      plugins: [probe],
      builtins: [createStoreModule(), createEventsModule()],
      config: { kernel: { pluginTimeoutMs: 120_000 }, events: { channelTimeoutMs: 250 } }, // the embedded store boots slowly on a loaded machine
      logger: pino({ level: "silent" }),
    });
    let bus: EventBus | undefined;
    try {
      bus = kernel.get(eventBusRef);
      expect(busSeenByPlugin).toBe(bus);
      expect(bus.isListening).toBe(true);
      await bus.transaction((_tx, emit) => emit({ eventType: "flowchart.run.updated", entityKind: "flowchart_run", entityId: 1, roomKeys: ["flowchart_run:1"] }));
      await bus.flush();
      expect(published.map((e) => [e.event_type, e.sequence])).toEqual([["flowchart:run:updated", 1]]);
    } finally {
      await kernel.stop();
    }
    const err = await bus!.transaction(async () => undefined).then(() => null, (e: unknown) => e as ArkError);
    expect(err?.code).toBe("ARK_KERNEL_STATE");
  }, 120_000);

  it("rejects an unknown key in the events section at boot", async () => {
    const err = await startTestKernel({
      plugins: [],
      builtins: [createStoreModule(), createEventsModule()],
      config: { events: { channelTimeoutMs: 0, bogus: true } },
      logger: pino({ level: "silent" }),
    }).then(
      async (k) => {
        await k.stop();
        return null;
      },
      (e: unknown) => e as ArkError,
    );
    expect(err?.code).toBe("ARK_CONFIG_INVALID");
    expect(err?.message).toMatch(/bogus/);
    expect(err?.message).toMatch(/channelTimeoutMs/);
  });
});
