/**
 * The milestone actions (reference §3.4): `create_or_update` applies a config patch, an upstream completion patch and
 * the additive prompt; `mark_complete` completes. Status `done` forces completed and 100 %. A checkpoint is hit when
 * `loop_checkpoint_every` divides the execution index. Everything of one call is written in one transaction.
 */
import { ArkError, type Store } from "../../core/plugin-api/index.js";
import { checkedFields, requireMilestone, saveMilestone, type MilestoneFields, type MilestoneView } from "./milestone-rows.js";

/** The two actions. */
export type MilestoneAction = "create_or_update" | "mark_complete";

/** Input of the two action operations. */
export interface MilestoneActionInput {
  readonly milestone_id: number;
  readonly patch?: Record<string, unknown>;
  /** An upstream object (the node resolves `completion_source_path`): name, description, status, progress_percent, latest_update, completed. */
  readonly completion?: Record<string, unknown>;
  readonly additive_prompt?: string;
  /** create_or_update only: complete the milestone as well. */
  readonly mark_complete?: boolean;
  /** The node run's execution index; null/absent means none (no checkpoint). */
  readonly execution_index?: number | null;
  readonly loop_checkpoint_every?: number;
}

/** What an action answers (the milestone node's output keys, minus the node's own). */
export interface MilestoneActionOutput {
  readonly action: MilestoneAction;
  readonly action_results: string[];
  readonly additive_prompt: string;
  readonly execution_index: number | null;
  readonly checkpoint_hit: boolean;
  readonly before_milestone: MilestoneView;
  readonly milestone: MilestoneView;
}

/** Fields a config patch may set. */
export const PATCH_FIELDS = ["name", "description", "status", "priority", "owner", "progress_percent", "health", "latest_update", "start_date", "due_date", "success_criteria"] as const;
/** Fields an upstream completion object may set. */
export const COMPLETION_FIELDS = ["name", "description", "status", "progress_percent", "latest_update", "completed"] as const;

function complete(draft: MilestoneFields, prompt: string): void {
  if (prompt) draft.latest_update = prompt;
  draft.completed = true;
  draft.status = "done";
  draft.progress_percent = 100;
}

function fieldsOf(view: MilestoneView): MilestoneFields {
  const { id: _id, completed_at: _c, created_at: _cr, updated_at: _u, ...fields } = view;
  return { ...fields, dependencies: [...fields.dependencies], links: [...fields.links] };
}

/** Applies an action's changes to a draft; returns the action results. */
function applyAction(action: MilestoneAction, draft: MilestoneFields, input: MilestoneActionInput): string[] {
  const results: string[] = [];
  const prompt = input.additive_prompt?.trim() ?? "";
  if (action === "mark_complete") {
    complete(draft, prompt);
    return ["Marked milestone complete."];
  }
  if (input.patch) {
    Object.assign(draft, checkedFields(input.patch, PATCH_FIELDS, "patch"));
    results.push("Applied milestone patch.");
  }
  if (input.completion) {
    // Only the completion fields are taken from an upstream object; the rest of it is other nodes' output.
    const picked = Object.fromEntries(Object.entries(input.completion).filter(([k]) => (COMPLETION_FIELDS as readonly string[]).includes(k)));
    Object.assign(draft, checkedFields(picked, COMPLETION_FIELDS, "completion"));
    results.push("Applied upstream completion patch.");
  }
  if (prompt) {
    draft.latest_update = prompt;
    if (draft.status !== "done") draft.status = "in_progress";
    results.push("Applied additive prompt update.");
  }
  if (input.mark_complete) {
    complete(draft, prompt);
    results.push("Marked milestone complete (mark_complete).");
  }
  return results;
}

/** Runs one action on a milestone in one transaction. */
export async function runMilestoneAction(store: Store, action: MilestoneAction, input: MilestoneActionInput): Promise<MilestoneActionOutput> {
  const every = input.loop_checkpoint_every ?? 0;
  if (!Number.isSafeInteger(every) || every < 0) {
    throw new ArkError("ARK_MILESTONE_CONFIG_INVALID", "loop_checkpoint_every must be a non-negative integer.", { details: { field: "loop_checkpoint_every", value: every } });
  }
  return store.transaction(async (tx) => {
    const before = await requireMilestone(tx, input.milestone_id, { lock: true });
    const draft = fieldsOf(before);
    const results = applyAction(action, draft, input);
    if (draft.status === "done") {
      draft.completed = true;
      draft.progress_percent = 100;
    }
    const index = input.execution_index ?? null;
    const checkpointHit = every > 0 && index !== null && index % every === 0;
    if (checkpointHit) results.push(`Checkpoint reached at execution #${index} (every ${every}).`);
    const milestone = await saveMilestone(tx, before.id, draft);
    return { action, action_results: results, additive_prompt: input.additive_prompt ?? "", execution_index: index, checkpoint_hit: checkpointHit, before_milestone: before, milestone };
  });
}
