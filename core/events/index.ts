/** Events: the §13.1 envelope, the durable event log, and the EventBus that delivers committed events. */
export { EventBus } from "./event-bus.js";
export type { BusChannel, ChannelReach, ChannelSource, EmitFn, EventBusOptions, EventDelivery, EventHandler } from "./event-bus.js";
export { eventBusRef } from "./event-bus-ref.js";
export { createEventsModule } from "./events-module.js";
export { eventsSectionSchema } from "./events-config-schema.js";
export type { EventsConfig } from "./events-config-schema.js";
export {
  DEFAULT_MAX_ENVELOPE_BYTES,
  buildEventEnvelope,
  draftEventEnvelope,
  inEnvelopeOrder,
  isoWithOffset,
  sealEventEnvelope,
} from "./event-envelope.js";
export type { EnvelopeOptions, EventEnvelopeDraft, EventInput } from "./event-envelope.js";
export { EVENT_ID_NAMESPACE, eventIdFor } from "./event-id.js";
export { MAX_EVENT_READ, appendEvent, readEvents } from "./event-log.js";
export type { AppendEventOptions, EventLogQuery } from "./event-log.js";
export { EVENTS_NOTIFY_CHANNEL, parseEventNotice } from "./event-notice.js";
export type { EventNotice } from "./event-notice.js";
export { compileEventFilter } from "./event-filter.js";
export type { EventFilter, EventFilterSpec } from "./event-filter.js";
export type { EventOrigin } from "./delivery-sequencer.js";
export { metadataFlag, normaliseRuntimeMetadata } from "./runtime-metadata.js";
export type { EventRuntimeMetadata } from "./runtime-metadata.js";
export type { EventEnvelope, EventChannelContribution } from "../plugin-api/contributions.js";
