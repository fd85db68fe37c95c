import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { EventBus } from "./event-bus.js";
import { eventBusRef } from "./event-bus-ref.js";
import { eventsSectionSchema, type EventsConfig } from "./events-config-schema.js";

/**
 * The built-in `events` module: builds the EventBus over the kernel's store, contract registry and eventChannels
 * registry, listens for other kernels' events on start, and drains deliveries on stop. Each call makes an independent
 * instance (one per kernel).
 */
export function createEventsModule(): PluginDefinition<EventsConfig> {
  let bus: EventBus | null = null;
  const current = (): EventBus => {
    if (!bus) throw new ArkError("ARK_KERNEL_STATE", "The event bus was requested before the events module's init ran, or after it stopped.");
    return bus;
  };

  return definePlugin<EventsConfig>({
    id: "events",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Durable event log, delivery after commit to subscribers and event channels, cross-kernel delivery via LISTEN/NOTIFY.",
    lazy: true,
    requires: ["store"],
    provides: [eventBusRef],
    configSchema: eventsSectionSchema,
    register(r) {
      r.provide(eventBusRef, () => current());
    },
    init(ctx) {
      bus = new EventBus({
        store: ctx.get(coreServices.store),
        channels: ctx.get(coreServices.registries).eventChannels,
        contracts: ctx.get(coreServices.contracts),
        logger: ctx.logger,
        channelTimeoutMs: ctx.config.channelTimeoutMs,
        channelBacklog: ctx.config.channelBacklog,
        maxEnvelopeBytes: ctx.config.maxEnvelopeBytes,
      });
    },
    async start(ctx) {
      if (ctx.config.listen !== false) await current().listen();
    },
    async stop() {
      const held = bus;
      bus = null;
      await held?.close();
    },
  });
}
