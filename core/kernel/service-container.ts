import "reflect-metadata";
import { container as globalContainer, type DependencyContainer } from "tsyringe";
import { ArkError } from "../errors/index.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";

/** How a ref gets its value: a kernel intrinsic, a plugin's factory, or a test override. */
type Binding =
  | { kind: "value"; value: unknown }
  | { kind: "perPlugin"; make: (consumerId: string) => unknown }
  | { kind: "lazy"; make: () => unknown }
  | { kind: "pending"; providerId: string };

/** What one plugin may resolve: kernel intrinsics plus the refs it declared or whose provider it requires. */
export interface Visibility {
  readonly pluginId: string;
  readonly refIds: ReadonlySet<string>;
}

/**
 * tsyringe behind the service-ref facade: one root container per kernel (never the global one, so two kernels in
 * one process stay apart) and a child container per plugin for plugin-scoped services. Tokens are the refs' string
 * tokens, so nothing depends on decorator metadata (DEPENDENCIES.md trap 2).
 */
export class ServiceContainer {
  private readonly root: DependencyContainer = globalContainer.createChildContainer();
  private readonly children = new Map<string, DependencyContainer>();
  private readonly bindings = new Map<string, Binding>();
  private readonly intrinsic = new Set<string>();
  private readonly failedProviders = new Map<string, string>();

  /** A kernel service every plugin may resolve without declaring it. */
  bindIntrinsic<T>(ref: ServiceRef<T>, value: T | ((consumerId: string) => T)): void {
    this.intrinsic.add(ref.id);
    this.bind(ref, value);
  }

  /** A root-scope kernel service built on first use (keeps boot cheap for services few plugins touch). */
  bindIntrinsicLazy<T>(ref: ServiceRef<T>, make: () => T): void {
    this.intrinsic.add(ref.id);
    this.bindings.set(ref.id, { kind: "lazy", make });
  }

  /** Marks a ref as provided by a plugin that has not initialised yet. */
  expect(ref: ServiceRef<unknown>, providerId: string): void {
    if (!this.bindings.has(ref.id)) this.bindings.set(ref.id, { kind: "pending", providerId });
  }

  /** Binds a ref (from a provider after its init, or a test override). Overrides win: a later provider is ignored. */
  bind<T>(ref: ServiceRef<T>, value: T | ((consumerId: string) => T), options: { override?: boolean } = {}): void {
    const current = this.bindings.get(ref.id);
    if (current && current.kind !== "pending" && !options.override) return;
    if (ref.scope === "plugin" && typeof value === "function") {
      this.bindings.set(ref.id, { kind: "perPlugin", make: value as (consumerId: string) => unknown });
    } else {
      this.bindings.set(ref.id, { kind: "value", value });
      this.root.register(ref.token, { useValue: value });
    }
  }

  isBound(refId: string): boolean {
    const binding = this.bindings.get(refId);
    return binding !== undefined && binding.kind !== "pending";
  }

  isIntrinsic(refId: string): boolean {
    return this.intrinsic.has(refId);
  }

  /** Records that a provider failed, so resolving its refs explains why. */
  providerFailed(providerId: string): void {
    for (const [refId, binding] of this.bindings) {
      if (binding.kind === "pending" && binding.providerId === providerId) this.failedProviders.set(refId, providerId);
    }
  }

  /** Resolves a ref for a plugin, enforcing what that plugin may see. */
  resolve<T>(ref: ServiceRef<T>, visibility: Visibility): T {
    const { pluginId } = visibility;
    if (!this.intrinsic.has(ref.id) && !visibility.refIds.has(ref.id)) {
      throw new ArkError("ARK_SERVICE_NOT_VISIBLE", `plugin "${pluginId}" resolved ${ref.id} without declaring it`, {
        details: { pluginId, ref: ref.id },
      });
    }
    const binding = this.bindings.get(ref.id);
    if (!binding || binding.kind === "pending") {
      const failed = this.failedProviders.get(ref.id);
      const why = failed
        ? `its provider "${failed}" failed to boot`
        : binding
          ? `its provider "${binding.providerId}" has not finished init yet`
          : "no enabled plugin provides it";
      throw new ArkError("ARK_SERVICE_NOT_PROVIDED", `plugin "${pluginId}" resolved ${ref.id}, but ${why}`, {
        details: { pluginId, ref: ref.id },
      });
    }
    if (binding.kind === "lazy") {
      const value = binding.make();
      this.bindings.set(ref.id, { kind: "value", value });
      this.root.register(ref.token, { useValue: value });
    }
    if (binding.kind === "value" || binding.kind === "lazy") return this.root.resolve<T>(ref.token);
    const child = this.childFor(pluginId);
    if (!child.isRegistered(ref.token, false)) child.register(ref.token, { useValue: binding.make(pluginId) });
    return child.resolve<T>(ref.token);
  }

  private childFor(pluginId: string): DependencyContainer {
    let child = this.children.get(pluginId);
    if (!child) {
      child = this.root.createChildContainer();
      this.children.set(pluginId, child);
    }
    return child;
  }

  /** Releases tsyringe registrations (called from kernel stop). */
  dispose(): void {
    for (const child of this.children.values()) child.reset();
    this.children.clear();
    this.root.reset();
  }
}
