/**
 * Milestone rows: the serialised view (reference §3.4 field list plus completed_at), checked field values, and the
 * reads and writes the domain needs. Dates are `YYYY-MM-DD` text on both drivers.
 */
import { ArkError, isoOrNull, type Queryable } from "../../core/plugin-api/index.js";
import { MILESTONE_STATUSES } from "./milestone-schema-migration.js";

/** A milestone's status. */
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number];

/** The writable fields of a milestone. */
export interface MilestoneFields {
  name: string;
  description: string | null;
  status: MilestoneStatus;
  priority: string | null;
  owner: string | null;
  completed: boolean;
  start_date: string | null;
  due_date: string | null;
  progress_percent: number;
  health: string | null;
  success_criteria: string | null;
  dependencies: unknown[];
  links: unknown[];
  latest_update: string | null;
}

/** A milestone as outputs, artifacts and the API show it. */
export interface MilestoneView extends MilestoneFields {
  readonly id: number;
  readonly completed_at: string | null;
  readonly created_at: string | null;
  readonly updated_at: string | null;
}

const TEXT_FIELDS = ["description", "priority", "owner", "health", "success_criteria", "latest_update"] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalid(field: string, message: string, value: unknown, extra: Record<string, unknown> = {}): ArkError {
  return new ArkError("ARK_MILESTONE_PATCH_INVALID", `${field}: ${message}`, { details: { field, value, ...extra } });
}

/**
 * The known fields of `input` (from `allowed`), checked: statuses from the list, progress clamped to 0..100, dates
 * as YYYY-MM-DD. A blank name is ignored (keeps the old one); an unknown key is ARK_MILESTONE_PATCH_INVALID.
 */
export function checkedFields(input: Readonly<Record<string, unknown>>, allowed: readonly string[], path: string): Partial<MilestoneFields> {
  const out: Partial<MilestoneFields> & Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const field = `${path}.${key}`;
    if (!allowed.includes(key)) throw invalid(field, `is not a milestone field here (allowed: ${allowed.join(", ")}).`, value, { allowed: [...allowed] });
    if (value === undefined) continue;
    if (key === "name") {
      if (typeof value !== "string") throw invalid(field, "must be a string.", value);
      if (value.trim() !== "") out.name = value.trim();
    } else if (key === "status") {
      const status = typeof value === "string" ? value.trim().toLowerCase() : "";
      if (!(MILESTONE_STATUSES as readonly string[]).includes(status)) throw invalid(field, `must be one of: ${MILESTONE_STATUSES.join(", ")}.`, value, { allowed: [...MILESTONE_STATUSES] });
      out.status = status as MilestoneStatus;
    } else if (key === "progress_percent") {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(field, "must be a number.", value);
      out.progress_percent = Math.round(Math.min(100, Math.max(0, n)));
    } else if (key === "start_date" || key === "due_date") {
      if (value !== null && (typeof value !== "string" || !DATE.test(value))) throw invalid(field, "must be a date YYYY-MM-DD or null.", value);
      out[key] = value;
    } else if (key === "dependencies" || key === "links") {
      if (!Array.isArray(value)) throw invalid(field, "must be an array.", value);
      out[key] = value;
    } else if (key === "completed") {
      out.completed = value === true || ["1", "true", "yes", "on"].includes(String(value).trim().toLowerCase());
    } else if ((TEXT_FIELDS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "string") throw invalid(field, "must be a string or null.", value);
      out[key] = value;
    }
  }
  return out;
}

/** A milestone row as a view. */
export function milestoneOf(row: Record<string, unknown>): MilestoneView {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(row.id), name: String(row.name), description: text(row.description), status: String(row.status) as MilestoneStatus,
    priority: text(row.priority), owner: text(row.owner), completed: row.completed === true, start_date: text(row.start_date), due_date: text(row.due_date),
    progress_percent: Number(row.progress_percent), health: text(row.health), success_criteria: text(row.success_criteria),
    dependencies: Array.isArray(row.dependencies) ? row.dependencies : [], links: Array.isArray(row.links) ? row.links : [], latest_update: text(row.latest_update),
    completed_at: isoOrNull(row.completed_at), created_at: isoOrNull(row.created_at), updated_at: isoOrNull(row.updated_at),
  };
}

/** One milestone, or ARK_MILESTONE_NOT_FOUND; `lock` takes its row lock for an update. */
export async function requireMilestone(db: Queryable, id: number, options: { lock?: boolean } = {}): Promise<MilestoneView> {
  const { rows } = await db.query(`SELECT * FROM ark_milestones WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) throw new ArkError("ARK_MILESTONE_NOT_FOUND", `Milestone ${id} was not found.`, { details: { milestone_id: id } });
  return milestoneOf(rows[0]);
}

/** Milestones, newest first. */
export async function listMilestones(db: Queryable, page: { limit: number; offset: number }): Promise<{ items: MilestoneView[]; total: number }> {
  const { rows } = await db.query("SELECT * FROM ark_milestones ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2", [page.limit, page.offset]);
  const total = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_milestones");
  return { items: rows.map(milestoneOf), total: Number(total.rows[0]?.n ?? 0) };
}

const COLUMNS = ["name", "description", "status", "priority", "owner", "completed", "start_date", "due_date", "progress_percent", "health", "success_criteria", "dependencies", "links", "latest_update"] as const;

function values(fields: MilestoneFields): unknown[] {
  return COLUMNS.map((c) => (c === "dependencies" || c === "links" ? JSON.stringify(fields[c]) : fields[c]));
}

/** Inserts a milestone; with an `originKey` already used, nothing is inserted and null is answered. */
export async function insertMilestone(db: Queryable, fields: MilestoneFields, originKey: string | null = null): Promise<MilestoneView | null> {
  const { rows } = await db.query(
    `INSERT INTO ark_milestones (${COLUMNS.join(", ")}, completed_at, origin_key)
     VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}, CASE WHEN $6 THEN now() END, $${COLUMNS.length + 1})
     ON CONFLICT (origin_key) WHERE origin_key IS NOT NULL DO NOTHING RETURNING *`,
    [...values(fields), originKey],
  );
  return rows[0] ? milestoneOf(rows[0]) : null;
}

/** The milestone created under `originKey`, or null. */
export async function milestoneByOriginKey(db: Queryable, originKey: string): Promise<MilestoneView | null> {
  const { rows } = await db.query("SELECT * FROM ark_milestones WHERE origin_key = $1", [originKey]);
  return rows[0] ? milestoneOf(rows[0]) : null;
}

/** Writes every field of a milestone (completed_at follows completed). */
export async function saveMilestone(db: Queryable, id: number, fields: MilestoneFields): Promise<MilestoneView> {
  const sets = COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(", ");
  const { rows } = await db.query(
    `UPDATE ark_milestones SET ${sets}, completed_at = CASE WHEN $7 THEN coalesce(completed_at, now()) END, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, ...values(fields)],
  );
  return milestoneOf(rows[0]!);
}
