import type { Server } from "node:http";

/** Server events engine.io hooks when it attaches (it also takes over the existing "request" listeners). */
const HOOKED_EVENTS = ["request", "upgrade", "close", "listening"] as const;

type Listener = (...args: any[]) => void;

/**
 * Runs `attach` (engine.io's attach) on a server it does not own, and returns a function that puts the server's
 * listeners back as they were. Socket.IO's own close() would close the API's http server too; detaching instead leaves
 * the server to the api module, which stops it after this plugin.
 */
export function attachRestorably(server: Server, attach: (server: Server) => void): () => void {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, server.listeners(event) as Listener[]]));
  attach(server);
  const added = new Map(HOOKED_EVENTS.map((event) => [event, (server.listeners(event) as Listener[]).filter((l) => !before.get(event)!.includes(l))]));
  let detached = false;
  return () => {
    if (detached) return;
    detached = true;
    for (const event of HOOKED_EVENTS) {
      for (const listener of added.get(event) ?? []) server.removeListener(event, listener);
      const present = server.listeners(event) as Listener[];
      for (const listener of before.get(event) ?? []) if (!present.includes(listener)) server.on(event, listener);
    }
  };
}
