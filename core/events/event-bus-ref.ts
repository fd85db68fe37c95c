import { createServiceRef } from "../plugin-api/service-ref.js";
import type { EventBus } from "./event-bus.js";

/** The kernel's event bus, provided by the built-in `events` module (plugins declare `requires: ["events"]`). */
export const eventBusRef = createServiceRef<EventBus>({ id: "core.events" });
