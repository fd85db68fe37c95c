/**
 * A tool domain is registered (synchronously, without config) before its plugin's init reads the config; the slot
 * holds what init resolves, and handlers read it per call. One slot per registered domain, so one plugin module
 * serves several kernels in a process.
 */
import { ArkError } from "../errors/index.js";

/** Settings bound to a registered contribution during its plugin's init. */
export class SettingsSlot<S> {
  private value: S | null = null;

  constructor(private readonly owner: string) {}

  /** Binds the resolved settings (init). */
  bind(value: S): void {
    this.value = value;
  }

  /** Unbinds them (stop). */
  clear(): void {
    this.value = null;
  }

  /** The bound settings; ARK_KERNEL_STATE before init or after stop. */
  get(): S {
    if (this.value === null) throw new ArkError("ARK_KERNEL_STATE", `${this.owner} is not initialised (its plugin has not run init, or has stopped).`);
    return this.value;
  }

  /** The bound settings, or null. */
  peek(): S | null {
    return this.value;
  }
}
