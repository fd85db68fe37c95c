/** Where one instance of a service lives: once per kernel, or one per plugin that asks for it. */
export type ServiceScope = "root" | "plugin";

/** A typed DI token: the only way code asks for a dependency. `T` is carried in the type only. */
export interface ServiceRef<T> {
  readonly id: string;
  readonly scope: ServiceScope;
  /** The tsyringe token the ref resolves through (a string, so bundles and tsx agree without metadata). */
  readonly token: string;
  /** Phantom field so `ServiceRef<A>` and `ServiceRef<B>` are not interchangeable. Never set. */
  readonly $type?: T;
  toString(): string;
}

const SERVICE_ID = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;

/** Creates a service ref. Ids are dotted or dashed lower-case words, e.g. `core.store`, `tools-memory.api`. */
export function createServiceRef<T>(options: { id: string; scope?: ServiceScope }): ServiceRef<T> {
  const { id, scope = "root" } = options;
  if (!SERVICE_ID.test(id)) {
    throw new TypeError(`createServiceRef: invalid id "${id}" (use lower-case words joined by "." or "-")`);
  }
  return Object.freeze({ id, scope, token: `ark.service:${id}`, toString: () => `serviceRef{${id}}` });
}
