import type { JSONSchema } from "../contracts/json-schema.js";

/**
 * Schema of the top-level `events:` config section (draft-07, stitched into the kernel schema; defaults applied by
 * the validator).
 */
export const eventsSectionSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "The event bus: durable event log, delivery to local subscribers and to event channels.",
  properties: {
    listen: {
      type: "boolean", default: true,
      description: "Hear events other kernels on the same database commit (PostgreSQL LISTEN/NOTIFY), so this kernel's subscribers and channels see them too.",
    },
    channelTimeoutMs: {
      type: "integer", minimum: 1, maximum: 600000, default: 5000,
      description: "How long one channel may take to publish one event before it is skipped (the event stays in the log for replay).",
    },
    channelBacklog: {
      type: "integer", minimum: 1, maximum: 10000000, default: 10000,
      description: "Events queued per channel before a slow channel starts missing live events (they stay in the log for replay).",
    },
    maxEnvelopeBytes: {
      type: "integer", minimum: 1024, maximum: 67108864, default: 1048576,
      description: "Largest serialised event envelope accepted; bigger ones fail with ARK_EVENT_TOO_LARGE.",
    },
    redis: {
      type: "object",
      description: "Redis that event channels use to fan events out across kernels (the channel-socketio Redis adapter).",
      properties: {
        url: { type: "string", pattern: "^rediss?://", "x-ark-secret": true, description: "redis://[user:password@]host:6379[/db]" },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
});

/** The `events:` config section with defaults applied. */
export interface EventsConfig {
  readonly listen?: boolean;
  readonly channelTimeoutMs?: number;
  readonly channelBacklog?: number;
  readonly maxEnvelopeBytes?: number;
  readonly redis?: { readonly url?: string };
}
