import type { Transaction } from "../store/store-port.js";

/** The node-executor runtime settings as reads return them: strings, secrets replaced by is_set/fingerprint/updated_at. */
export type NodeExecutorSettingsView = Readonly<Record<string, string>>;

/** The runtime read: the redacted view plus `k8s_kubeconfig` in clear ("" when unset). Dispatchers only. */
export type NodeExecutorRuntimeSettings = Readonly<Record<string, string>>;

/** One recorded settings change: who, when, which keys (secret values never stored here, only "(set)"/"(cleared)"). */
export interface SettingsChange {
  readonly version: number;
  readonly actor: string;
  readonly changedAt: string;
  readonly changes: Readonly<Record<string, { from: string | null; to: string | null }>>;
  /** Why the change was made, when the caller said (e.g. a forced cutover and the preflight checks that failed). */
  readonly note?: string;
}

/** Options of a settings update. */
export interface SettingsUpdateOptions {
  /** Why: recorded on the settings version. */
  readonly note?: string;
  /** Write inside this open transaction (a savepoint), so the change commits or rolls back with the caller's writes. */
  readonly tx?: Transaction;
  /** Told the number of the settings version the update recorded (not called when nothing changed). */
  readonly onVersion?: (version: number) => void;
}

/** The node-executor settings store (reference §15) with the reference's quirks fixed. */
export interface NodeExecutorSettingsService {
  /** Redacted read: never contains the kubeconfig plaintext or ciphertext. */
  read(): Promise<NodeExecutorSettingsView>;
  /**
   * Partial update: only the keys named change, `null` resets a key to its default. Invalid input →
   * ARK_SETTINGS_INVALID with a message per field and nothing written. `actor` (who made the change) is recorded.
   */
  update(patch: Readonly<Record<string, unknown>>, actor: string, options?: SettingsUpdateOptions): Promise<NodeExecutorSettingsView>;
  /** The runtime read (dispatchers only): includes the decrypted kubeconfig. */
  readRuntime(): Promise<NodeExecutorRuntimeSettings>;
  /** Change history, newest first (default 50, at most 1000). */
  history(limit?: number): Promise<SettingsChange[]>;
}
