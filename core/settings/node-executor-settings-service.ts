/** The node-executor settings service over the store: redacted reads, validated partial updates, versioned history. */
import { ArkError } from "../errors/index.js";
import type { Queryable, Store } from "../store/store-port.js";
import { KUBECONFIG_KEY, NODE_EXECUTOR_NAMESPACE, NODE_EXECUTOR_SETTING_KEYS } from "./node-executor-setting-keys.js";
import type {
  NodeExecutorRuntimeSettings,
  NodeExecutorSettingsService,
  NodeExecutorSettingsView,
  SettingsChange,
  SettingsUpdateOptions,
} from "./node-executor-settings-port.js";
import { planNodeExecutorSettingsPatch, type NodeExecutorSettingsPatchPlan } from "./node-executor-settings-patch.js";
import {
  deriveNodeExecutorSettings,
  normaliseNodeExecutorSettings,
  type KubeconfigState,
  type SettingsEnv,
} from "./normalise-node-executor-settings.js";
import { secretBoxFromEnv, secretFingerprint } from "./secret-box.js";
import {
  deleteSetting,
  insertSettingsHistory,
  lockSettingsNamespace,
  readSettingRows,
  readSettingsHistory,
  upsertSetting,
  type SettingRow,
} from "./settings-table.js";

/** Options of the settings service. */
export interface NodeExecutorSettingsServiceOptions {
  /** Where ARK_NODE_EXECUTOR_* defaults and ARK_SECRET_KEY come from (default: process.env, read on each call). */
  readonly env?: SettingsEnv;
  /** Clock for updated_at / changed_at (tests pin it). */
  readonly now?: () => Date;
}

const NAMESPACE = NODE_EXECUTOR_NAMESPACE;
const SECRET_CONTEXT = `${NAMESPACE}/${KUBECONFIG_KEY}`;
const SECRET_SET = "(set)";
const SECRET_CLEARED = "(cleared)";
const DEFAULT_HISTORY_LIMIT = 50;
const MAX_HISTORY_LIMIT = 1000;

type ChangeMap = Record<string, { from: string | null; to: string | null }>;

function kubeconfigState(rows: ReadonlyMap<string, SettingRow>): KubeconfigState {
  const row = rows.get(KUBECONFIG_KEY);
  return row ? { isSet: true, fingerprint: row.fingerprint ?? "", updatedAt: row.updatedAt } : { isSet: false, fingerprint: "", updatedAt: "" };
}

/** The redacted view of stored rows: normalised settings plus derived keys; the secret row is never copied in. */
function viewOf(rows: ReadonlyMap<string, SettingRow>, env: SettingsEnv): NodeExecutorSettingsView {
  const stored: Record<string, string> = {};
  for (const [key, row] of rows) if (!row.isSecret) stored[key] = row.value;
  const values = normaliseNodeExecutorSettings(stored, env);
  return Object.freeze({ ...values, ...deriveNodeExecutorSettings(values, kubeconfigState(rows)) });
}

function checkActor(actor: unknown): string {
  const name = typeof actor === "string" ? actor.trim() : "";
  if (name === "" || name.length > 200) {
    throw new ArkError("ARK_INVALID_ARGUMENT", "A settings update needs an actor: a non-empty name of at most 200 characters (who made the change).", {
      details: { actor: typeof actor === "string" ? actor.slice(0, 200) : typeof actor },
    });
  }
  return name;
}

function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_HISTORY_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `history limit must be a whole number between 1 and ${MAX_HISTORY_LIMIT}.`, {
      details: { limit: String(limit) },
    });
  }
  return limit;
}

/** Writes the plan's non-secret keys, touching only rows whose stored value actually changes. */
async function writeValues(tx: Queryable, rows: ReadonlyMap<string, SettingRow>, plan: NodeExecutorSettingsPatchPlan, actor: string, at: Date) {
  for (const key of NODE_EXECUTOR_SETTING_KEYS) {
    const value = plan.set[key];
    if (value !== undefined && rows.get(key)?.value !== value) {
      await upsertSetting(tx, NAMESPACE, { key, value, isSecret: false, fingerprint: null, updatedAt: at, actor });
    }
  }
  for (const key of plan.reset) if (rows.has(key)) await deleteSetting(tx, NAMESPACE, key);
}

/** Records each named key whose effective value changed, and the secret as "(set)"/"(cleared)" only. */
function changesBetween(before: NodeExecutorSettingsView, after: NodeExecutorSettingsView, plan: NodeExecutorSettingsPatchPlan): ChangeMap {
  const changes: ChangeMap = {};
  for (const key of [...Object.keys(plan.set), ...plan.reset]) {
    if (before[key] !== after[key]) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  const wasSet = before.k8s_kubeconfig_is_set === "true";
  if (plan.kubeconfig.action === "set") changes[KUBECONFIG_KEY] = { from: wasSet ? SECRET_SET : null, to: SECRET_SET };
  if (plan.kubeconfig.action === "clear" && wasSet) changes[KUBECONFIG_KEY] = { from: SECRET_SET, to: SECRET_CLEARED };
  return changes;
}

/** Creates the node-executor settings service over `store` (tables from migration 0002). */
export function createNodeExecutorSettingsService(store: Store, options: NodeExecutorSettingsServiceOptions = {}): NodeExecutorSettingsService {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());

  async function update(patch: Readonly<Record<string, unknown>>, actor: string, options: SettingsUpdateOptions = {}): Promise<NodeExecutorSettingsView> {
    const who = checkActor(actor);
    const plan = planNodeExecutorSettingsPatch(patch);
    // Encrypt before the transaction: a missing key refuses the whole update before anything is written.
    const secret =
      plan.kubeconfig.action === "set"
        ? { value: secretBoxFromEnv(env).encrypt(plan.kubeconfig.plaintext, SECRET_CONTEXT), fingerprint: secretFingerprint(plan.kubeconfig.plaintext) }
        : undefined;
    const at = now();
    return (options.tx ?? store).transaction(async (tx) => {
      await lockSettingsNamespace(tx, NAMESPACE);
      const rows = await readSettingRows(tx, NAMESPACE);
      const before = viewOf(rows, env);
      await writeValues(tx, rows, plan, who, at);
      if (secret) {
        await upsertSetting(tx, NAMESPACE, { key: KUBECONFIG_KEY, value: secret.value, isSecret: true, fingerprint: secret.fingerprint, updatedAt: at, actor: who });
      } else if (plan.kubeconfig.action === "clear" && rows.has(KUBECONFIG_KEY)) {
        await deleteSetting(tx, NAMESPACE, KUBECONFIG_KEY);
      }
      const after = viewOf(await readSettingRows(tx, NAMESPACE), env);
      const changes = changesBetween(before, after, plan);
      if (Object.keys(changes).length > 0) {
        const version = await insertSettingsHistory(tx, NAMESPACE, { actor: who, changedAt: at, changes, ...(options.note ? { note: options.note } : {}) });
        options.onVersion?.(version);
      }
      return after;
    });
  }

  return {
    read: async () => viewOf(await readSettingRows(store, NAMESPACE), env),
    update,
    async readRuntime(): Promise<NodeExecutorRuntimeSettings> {
      const rows = await readSettingRows(store, NAMESPACE);
      const secretRow = rows.get(KUBECONFIG_KEY);
      const kubeconfig = secretRow ? secretBoxFromEnv(env).decrypt(secretRow.value, SECRET_CONTEXT) : "";
      return Object.freeze({ ...viewOf(rows, env), [KUBECONFIG_KEY]: kubeconfig });
    },
    async history(limit?: number): Promise<SettingsChange[]> {
      return readSettingsHistory(store, NAMESPACE, checkLimit(limit));
    },
  };
}
