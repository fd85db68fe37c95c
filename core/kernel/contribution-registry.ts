import { ArkError } from "../errors/index.js";
import type { Owned } from "../plugin-api/contributions.js";
import type { ContributionKind } from "../plugin-api/contributions.js";
import type { ReadonlyRegistry } from "../plugin-api/registries-port.js";

/** A registry of one contribution kind, keyed by id; a second registration of an id names both plugins. */
export class ContributionRegistry<T> implements ReadonlyRegistry<T> {
  private readonly items = new Map<string, Owned<T>>();

  constructor(readonly kind: ContributionKind) {}

  /** Adds a contribution; throws ARK_CONTRIBUTION_DUPLICATE when the id is taken. */
  add(id: string, pluginId: string, value: T): void {
    if (typeof id !== "string" || id.trim() === "") {
      throw new ArkError("ARK_CONTRIBUTION_INVALID", `plugin "${pluginId}" registered a ${this.kind} without an id`, {
        details: { kind: this.kind, pluginId },
      });
    }
    const existing = this.items.get(id);
    if (existing) {
      throw new ArkError(
        "ARK_CONTRIBUTION_DUPLICATE",
        `${this.kind} "${id}" is contributed by both plugin "${existing.pluginId}" and plugin "${pluginId}"`,
        { details: { kind: this.kind, id, plugins: [existing.pluginId, pluginId] } },
      );
    }
    this.items.set(id, Object.freeze({ pluginId, value }));
  }

  /** Drops everything a plugin contributed (used when it fails to boot under onBootFailure: continue). */
  removeOwner(pluginId: string): void {
    for (const [id, item] of this.items) if (item.pluginId === pluginId) this.items.delete(id);
  }

  get(id: string): T | undefined {
    return this.items.get(id)?.value;
  }

  require(id: string): T {
    const item = this.items.get(id);
    if (!item) {
      const known = [...this.items.keys()].join(", ") || "none";
      throw new ArkError("ARK_NOT_FOUND", `no ${this.kind} "${id}" is registered (registered: ${known})`, {
        details: { kind: this.kind, id },
      });
    }
    return item.value;
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  ids(): string[] {
    return [...this.items.keys()];
  }

  entries(): Owned<T>[] {
    return [...this.items.values()];
  }

  ownerOf(id: string): string | undefined {
    return this.items.get(id)?.pluginId;
  }

  /** Ids a plugin contributed, for the startup report. */
  idsOwnedBy(pluginId: string): string[] {
    return [...this.items].filter(([, item]) => item.pluginId === pluginId).map(([id]) => id);
  }
}
