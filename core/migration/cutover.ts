/**
 * The cutover gate (`agent_runtime_cutover_enabled`, reference runbook steps 4 and Rollback 1). Enabling runs the
 * preflight first and is refused when a check fails, unless forced — a forced enable records the failed checks in
 * the settings version's note. Every toggle is a settings version (actor, from/to) and a `runtime:cutover:*` event,
 * written in one transaction. Disabling is the rollback: no preflight, and it still succeeds (the setting alone)
 * when the event cannot be recorded.
 */
import { ArkError, errorMessage } from "../errors/index.js";
import type { EventBus } from "../events/event-bus.js";
import type { NodeExecutorSettingsService, SettingsChange } from "../settings/node-executor-settings-port.js";
import type { PreflightResult } from "./preflight.js";

/** The settings key of the gate. */
export const CUTOVER_KEY = "agent_runtime_cutover_enabled";

/** Where the gate stands. */
export interface CutoverStatus {
  readonly enabled: boolean;
  /** The newest settings version that changed the gate, if any. */
  readonly lastChange: SettingsChange | null;
}

/** The outcome of enable / disable. */
export interface CutoverToggle {
  readonly enabled: boolean;
  /** False when the gate already had the asked value (no version, no event). */
  readonly changed: boolean;
  readonly forced: boolean;
  readonly version: number | null;
  readonly preflight: readonly PreflightResult[];
  /** Set when the event could not be recorded (the setting was still changed). */
  readonly eventError?: string;
}

/** What the cutover needs. */
export interface CutoverDeps {
  readonly settings: NodeExecutorSettingsService;
  /** Null when the event bus is not available (a degraded `disable`). */
  readonly bus: EventBus | null;
  readonly preflight: () => Promise<readonly PreflightResult[]>;
}

/** `ark cutover status|enable|disable`. */
export class CutoverService {
  constructor(private readonly deps: CutoverDeps) {}

  /** The gate and its newest change. */
  async status(): Promise<CutoverStatus> {
    const enabled = (await this.deps.settings.read())[CUTOVER_KEY] === "true";
    const history = await this.deps.settings.history(1000);
    return { enabled, lastChange: history.find((h) => CUTOVER_KEY in h.changes) ?? null };
  }

  /** Enables the gate after a passing preflight (or `force`); ARK_CUTOVER_PREFLIGHT_FAILED otherwise. */
  async enable(options: { actor: string; force?: boolean }): Promise<CutoverToggle> {
    const preflight = await this.deps.preflight();
    const failed = preflight.filter((c) => c.status === "fail");
    if (failed.length > 0 && options.force !== true) {
      throw new ArkError("ARK_CUTOVER_PREFLIGHT_FAILED", `Cutover not enabled: ${failed.length} preflight check(s) failed: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}.`, {
        details: { failed: failed.map((c) => ({ name: c.name, detail: c.detail, hint: c.hint ?? null })) },
      });
    }
    const forced = failed.length > 0;
    const note = forced ? `forced: enabled with failed preflight checks: ${failed.map((c) => `${c.name}: ${c.detail}`).join("; ")}`.slice(0, 2000) : "preflight passed";
    return { ...(await this.toggle(true, options.actor, note, { forced, failed_checks: failed.map((c) => c.name) })), preflight };
  }

  /** Disables the gate (the rollback); never runs the preflight. */
  async disable(options: { actor: string; reason?: string }): Promise<CutoverToggle> {
    return { ...(await this.toggle(false, options.actor, options.reason ?? "rollback: cutover disabled", { forced: false, failed_checks: [] })), preflight: [] };
  }

  /**
   * The settings version and its event are one transaction: an enable whose event cannot be written changes
   * nothing. A disable is the rollback and must always work: when the event cannot be written with it, the setting
   * is changed alone and the failure is reported in `eventError`.
   */
  private async toggle(enabled: boolean, actor: string, note: string, extra: { forced: boolean; failed_checks: string[] }): Promise<Omit<CutoverToggle, "preflight">> {
    const before = (await this.deps.settings.read())[CUTOVER_KEY] === "true";
    if (before === enabled) return { enabled, changed: false, forced: extra.forced, version: null };
    let version: number | null = null;
    const options = { note, onVersion: (v: number) => (version = v) };
    const bus = this.deps.bus;
    let eventError = "event bus not available";
    if (bus) {
      try {
        await bus.transaction(async (tx, emit) => {
          await this.deps.settings.update({ [CUTOVER_KEY]: enabled }, actor, { ...options, tx });
          await emit({
            eventType: `runtime:cutover:${enabled ? "enabled" : "disabled"}`, entityKind: "runtime_setting", entityId: CUTOVER_KEY, roomKeys: ["runtime:cutover"],
            payload: { enabled, actor, version, note, ...extra },
          });
        });
        return { enabled, changed: true, forced: extra.forced, version };
      } catch (err) {
        if (enabled) throw err;
        eventError = errorMessage(err);
        version = null; // that version was rolled back with the event
      }
    }
    await this.deps.settings.update({ [CUTOVER_KEY]: enabled }, actor, options);
    return { enabled, changed: true, forced: extra.forced, version, eventError };
  }
}
