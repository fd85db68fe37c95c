/**
 * The `milestone` tool domain: create, read, list, and the two node actions `create_or_update` and `mark_complete`
 * (with checkpoint hits). The store is bound in the plugin's init.
 */
import { ArkError, type JSONSchema, type Store, type ToolDomainContribution, type ToolOperation } from "../../core/plugin-api/index.js";
import { runMilestoneAction, type MilestoneAction, type MilestoneActionInput } from "./milestone-actions.js";
import { checkedFields, insertMilestone, listMilestones, milestoneByOriginKey, requireMilestone, type MilestoneFields } from "./milestone-rows.js";
import { MILESTONE_STATUSES } from "./milestone-schema-migration.js";

/** The domain id. */
export const MILESTONE_DOMAIN_ID = "milestone";

/** Fields `create` accepts. */
export const CREATE_FIELDS = ["name", "description", "status", "priority", "owner", "start_date", "due_date", "progress_percent", "health", "success_criteria", "dependencies", "links", "latest_update"] as const;

const milestoneId: JSONSchema = { type: "integer", minimum: 1, description: "The milestone's id." };
const milestoneView: JSONSchema = { type: "object", required: ["id", "name", "status", "completed", "progress_percent"] };

/** Input of create: name required; the rest is checked by the domain (stable ARK_MILESTONE_PATCH_INVALID codes). */
export const createInputSchema: JSONSchema = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 500, pattern: "\\S" },
    origin_key: { type: "string", minLength: 1, maxLength: 500, description: "Create once per key: a key already used answers its milestone unchanged (`created: false`)." },
    status: { type: "string", description: `One of: ${MILESTONE_STATUSES.join(", ")} (default planned).` },
    progress_percent: { type: "number" },
  },
};

const actionInput: JSONSchema = {
  type: "object",
  required: ["milestone_id"],
  additionalProperties: false,
  properties: {
    milestone_id: milestoneId,
    patch: { type: "object", description: "name, description, status, priority, owner, progress_percent, health, latest_update, start_date, due_date, success_criteria." },
    completion: { type: "object", description: "An upstream completion object: name, description, status, progress_percent, latest_update, completed." },
    additive_prompt: { type: "string", maxLength: 20_000 },
    mark_complete: { type: "boolean" },
    execution_index: { type: ["integer", "null"], minimum: 1 },
    loop_checkpoint_every: { type: "integer", minimum: 0 },
  },
};

const actionOutput: JSONSchema = {
  type: "object",
  required: ["action", "action_results", "checkpoint_hit", "before_milestone", "milestone"],
  properties: { action: { enum: ["create_or_update", "mark_complete"] }, action_results: { type: "array" }, checkpoint_hit: { type: "boolean" }, milestone: milestoneView },
};

/** The milestone domain object registered with the kernel. */
export class MilestoneDomain implements ToolDomainContribution {
  readonly id = MILESTONE_DOMAIN_ID;
  readonly description = "Milestones: create, read, list, create_or_update and mark_complete (with checkpoint hits).";
  private store: Store | null = null;
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    const action = (name: MilestoneAction, description: string): ToolOperation<MilestoneActionInput> => ({
      description, input: actionInput, output: actionOutput, idempotent: name === "mark_complete", handler: (input) => runMilestoneAction(this.db(), name, input),
    });
    this.operations = {
      create: {
        description: "Create a milestone.", input: createInputSchema, idempotent: false,
        output: { type: "object", required: ["milestone"], properties: { milestone: milestoneView, created: { type: "boolean" } } },
        handler: (input: Record<string, unknown>) => this.createOnce(input),
      },
      read: {
        description: "One milestone.", idempotent: true,
        input: { type: "object", required: ["milestone_id"], additionalProperties: false, properties: { milestone_id: milestoneId } },
        output: { type: "object", required: ["milestone"], properties: { milestone: milestoneView } },
        handler: async (input: { milestone_id: number }) => ({ milestone: await requireMilestone(this.db(), input.milestone_id) }),
      },
      list: {
        description: "Milestones, newest first.", idempotent: true,
        input: { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 500 }, offset: { type: "integer", minimum: 0 } } },
        handler: (input: { limit?: number; offset?: number }) => this.list(input),
      },
      create_or_update: action("create_or_update", "Apply a patch, an upstream completion object and/or the additive prompt to a milestone."),
      mark_complete: action("mark_complete", "Mark a milestone complete (status done, 100 %)."),
    };
  }

  /** Binds the kernel's store (plugin init). */
  bind(store: Store): void {
    this.store = store;
  }

  /** The bound store; ARK_KERNEL_STATE before init. */
  db(): Store {
    if (!this.store) throw new ArkError("ARK_KERNEL_STATE", "The milestone tool domain is used before the tools-milestone plugin was initialised.");
    return this.store;
  }

  /** The `create` operation: a new milestone, or the one an `origin_key` already names (unchanged). */
  async createOnce(input: Readonly<Record<string, unknown>>) {
    const { origin_key: originKey, ...fields } = input;
    const key = typeof originKey === "string" ? originKey : null;
    const made = await this.insertChecked(fields, key);
    if (made) return { milestone: made, created: true, action_results: ["Created milestone."] };
    const existing = (await milestoneByOriginKey(this.db(), key!))!;
    return { milestone: existing, created: false, action_results: [`Milestone ${existing.id} already exists for origin key '${key}'.`] };
  }

  /** Creates a milestone from checked fields (status done completes it). */
  async create(input: Readonly<Record<string, unknown>>) {
    return (await this.insertChecked(input, null))!;
  }

  /** Inserts a milestone from checked fields; null when `originKey` is already used. */
  private async insertChecked(input: Readonly<Record<string, unknown>>, originKey: string | null) {
    const fields: MilestoneFields = {
      name: "", description: null, status: "planned", priority: null, owner: null, completed: false, start_date: null, due_date: null,
      progress_percent: 0, health: null, success_criteria: null, dependencies: [], links: [], latest_update: null, ...checkedFields(input, CREATE_FIELDS, "input"),
    };
    if (fields.name === "") throw new ArkError("ARK_MILESTONE_PATCH_INVALID", "input.name: a milestone needs a non-empty name.", { details: { field: "input.name" } });
    if (fields.status === "done") Object.assign(fields, { completed: true, progress_percent: 100 });
    return insertMilestone(this.db(), fields, originKey);
  }

  /** A page of milestones. */
  async list(input: { limit?: number; offset?: number }) {
    const page = { limit: input.limit ?? 50, offset: input.offset ?? 0 };
    const { items, total } = await listMilestones(this.db(), page);
    return { items, total_count: total, ...page };
  }
}
