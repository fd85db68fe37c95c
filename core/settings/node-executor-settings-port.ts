/** The node-executor runtime settings as reads return them: strings, secrets replaced by is_set/fingerprint. */
export type NodeExecutorSettingsView = Readonly<Record<string, string>>;

/** One recorded settings change: who, when, which keys (secret values never stored here in clear). */
export interface SettingsChange {
  readonly version: number;
  readonly actor: string;
  readonly changedAt: string;
  readonly changes: Readonly<Record<string, { from: string | null; to: string | null }>>;
}

/** The node-executor settings store (reference §15) with the reference's quirks fixed. */
export interface NodeExecutorSettingsService {
  /** Redacted read: never contains the kubeconfig plaintext or ciphertext. */
  read(): Promise<NodeExecutorSettingsView>;
  /** Partial update: only the keys named change. Invalid input → ARK_SETTINGS_INVALID with a message per field. */
  update(patch: Readonly<Record<string, unknown>>, actor: string): Promise<NodeExecutorSettingsView>;
  /** The runtime read (dispatchers only): includes the decrypted kubeconfig. */
  readRuntime(): Promise<Readonly<Record<string, string>>>;
  /** Change history, newest first. */
  history(limit?: number): Promise<SettingsChange[]>;
}
