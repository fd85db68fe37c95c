/**
 * channel-socketio: committed events, live over Socket.IO (namespace /rt on the API server), with rooms, acks,
 * replay after a reconnect, and the Redis adapter across kernels when `events.redis.url` is set.
 */
import {
  apiServerRef,
  ArkError,
  coreServices,
  definePlugin,
  type EventChannelContribution,
  type EventEnvelope,
  type PluginContext,
  type PluginDefinition,
} from "../../core/plugin-api/index.js";
import { resolveRtSettings, socketIoConfigSchema, type SocketIoPluginConfig } from "./config.js";
import { eventsBackfillRoute } from "./events-route.js";
import { limitReads, MAX_WAITING_READS } from "./read-limiter.js";
import { RtServer } from "./rt-server.js";

export { RT_CONTRACT_VERSION, RT_NAMESPACE, RtEvent } from "./protocol.js";
export type { StreamCursors } from "./protocol.js";
export { ROOM_KINDS, checkRoom } from "./rooms.js";
export type { SocketIoPluginConfig } from "./config.js";

/** Id of the event channel this plugin registers. */
export const SOCKETIO_CHANNEL_ID = "socketio";
/** Name of the plugin's section in /api/health. */
export const HEALTH_SOURCE_NAME = "realtime";

/**
 * The event channel as the bus sees it. One is registered per kernel; init binds it to that kernel's server (found
 * again through the kernel's channel registry, so one plugin module serves several kernels in a process).
 */
class SocketIoChannel implements EventChannelContribution {
  readonly id = SOCKETIO_CHANNEL_ID;
  readonly description = "Socket.IO namespace /rt: each committed event to its rooms (Redis adapter across kernels when events.redis.url is set).";
  server: RtServer | null = null;
  usesRedis = false;
  unsubscribeRemote: (() => void) | null = null;

  /** With Redis the adapter carries events between kernels; without it the bus hands over other kernels' events too. */
  get receives(): "local" | "all" {
    return this.usesRedis ? "local" : "all";
  }

  publish(event: EventEnvelope): void {
    this.server?.publish(event);
  }
}

function channelOf(ctx: PluginContext<SocketIoPluginConfig>): SocketIoChannel {
  const channels = ctx.get(coreServices.registries).eventChannels;
  const channel = channels.get(SOCKETIO_CHANNEL_ID);
  if (!(channel instanceof SocketIoChannel) || channels.ownerOf(SOCKETIO_CHANNEL_ID) !== ctx.pluginId) {
    throw new ArkError("ARK_KERNEL_STATE", `The "${SOCKETIO_CHANNEL_ID}" event channel of plugin "${ctx.pluginId}" is not registered in this kernel.`);
  }
  return channel;
}

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createSocketIoPlugin(): PluginDefinition<SocketIoPluginConfig> {
  return definePlugin<SocketIoPluginConfig>({
    id: "channel-socketio",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Socket.IO /rt: rooms, acks, replay after reconnect, Redis adapter across kernels.",
    requires: ["events", "api"],
    configSchema: socketIoConfigSchema,
    register(r) {
      r.eventChannel(new SocketIoChannel());
    },
    async init(ctx) {
      const channel = channelOf(ctx);
      const settings = resolveRtSettings(ctx.config, ctx.get(coreServices.kernel).config);
      const bus = ctx.get(coreServices.events);
      const api = ctx.get(apiServerRef);
      // Clients' reads take turns; the live sequencer's gap fills (delivery itself) do not wait behind them.
      const clientReader = limitReads(bus, { concurrency: settings.readConcurrency, maxWaiting: MAX_WAITING_READS });
      api.addRoute(eventsBackfillRoute(clientReader));
      const server = new RtServer({ settings, reader: bus, clientReader, httpServer: api.httpServer(), logger: ctx.logger });
      try {
        api.registerHealthSource(HEALTH_SOURCE_NAME, () => server.health());
      } catch (err) {
        await server.close();
        throw err;
      }
      channel.usesRedis = settings.redisUrl !== null;
      // With Redis, other kernels' events heard through the database are a second path (deduplicated), so a Redis
      // outage does not pause live delivery while the bus listens (events.listen).
      if (channel.usesRedis) channel.unsubscribeRemote = bus.subscribe({ origin: "remote" }, (event) => server.acceptRemote(event));
      channel.server = server;
      ctx.logger.info({ path: settings.path, namespace: "/rt", fanout: server.fanoutMode, auth: settings.token !== null }, "Socket.IO /rt attached to the API server");
    },
    async stop(ctx) {
      const channel = ctx.get(coreServices.registries).eventChannels.get(SOCKETIO_CHANNEL_ID);
      if (!(channel instanceof SocketIoChannel)) return;
      const server = channel.server;
      channel.server = null;
      channel.unsubscribeRemote?.();
      channel.unsubscribeRemote = null;
      await server?.close();
    },
  });
}

export default createSocketIoPlugin();
