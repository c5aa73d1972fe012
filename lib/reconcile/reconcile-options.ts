import { z } from "zod";
import { describeIssues } from "../contract/user-change.ts";

/**
 * What a reconcile does with a snapshot: the CLI's flags (`bin/commands/reconcile.ts`) and the
 * S3-triggered function's `RECONCILE_*` settings (`reconcileOptionsFromEnv`) are both this, declared
 * once with their defaults.
 */

/** A limit the guard holds a count to: a number of people, or a share of a whole (`"2%"`). */
export type Threshold = { readonly count: number } | { readonly percent: number };

export interface ReconcileOptions {
  /** The column (CSV) or `user` key (NDJSON) that names people. @default "email" */
  readonly key: "email" | "employeeId";
  /**
   * The snapshot's time, ISO-8601 with a zone: every change's `changedAt`. @default a row's
   * `changedAt` cell, else the file's modification time
   */
  readonly asOf?: string | undefined;
  /** People in the file whom Genesys does not have become `ifMissing: "create"` changes. @default false */
  readonly createMissing: boolean;
  /** Active users in scope whom the file does not list become `state: inactive` changes. @default false */
  readonly deactivateMissing: boolean;
  /** Division names whose users `deactivateMissing` may touch (any case); empty: every division. @default [] */
  readonly scopeDivisions: readonly string[];
  /** Emails (any case) or user ids never touched by `deactivateMissing` (service accounts). @default [] */
  readonly keep: readonly string[];
  /** The most deactivations allowed, of the active users in scope. @default 2 % */
  readonly maxDeactivate: Threshold;
  /** The most changed people allowed, of the people the file names who exist in Genesys. @default 25 % */
  readonly maxChange: Threshold;
  /** Read, diff and report; enqueue nothing. @default false */
  readonly dryRun: boolean;
}

export const RECONCILE_DEFAULTS = {
  key: "email",
  createMissing: false,
  deactivateMissing: false,
  scopeDivisions: [],
  keep: [],
  maxDeactivate: { percent: 2 },
  maxChange: { percent: 25 },
  dryRun: false,
} as const satisfies Omit<ReconcileOptions, "asOf">;

/** `"50"` (people) or `"2%"` / `"2.5 %"` (a share), else undefined. */
export function parseThreshold(text: string): Threshold | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  if (match[2] === "%") return value <= 100 ? { percent: value } : undefined;
  return Number.isInteger(value) ? { count: value } : undefined;
}

/**
 * The most a threshold allows out of `whole`. A share rounds down but allows at least one: a leaver in
 * an org of 40 is not a mistake, a truncated export still trips it.
 */
export function allowedBy(threshold: Threshold, whole: number): number {
  return "count" in threshold ? threshold.count : Math.max(1, Math.floor((threshold.percent * whole) / 100));
}

/** How a threshold reads: `50` or `2%`. */
export const describeThreshold = (threshold: Threshold): string =>
  "count" in threshold ? String(threshold.count) : `${threshold.percent}%`;

const threshold = z.string().transform((text, ctx) => {
  const parsed = parseThreshold(text);
  if (parsed === undefined) {
    ctx.addIssue({ code: "custom", message: 'must be a count such as "50" or a share such as "2%"' });
    return z.NEVER;
  }
  return parsed;
});
const flag = z.enum(["true", "false"]).transform((v) => v === "true");
/** A comma-separated list; blanks dropped. */
const list = z.string().transform((text) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
);

/**
 * The S3-triggered reconcile's settings. `RECONCILE_KEEP` lists emails or ids inline (comma-separated);
 * `RECONCILE_SCOPE_DIVISIONS` division names (comma-separated).
 */
const envSchema = z.object({
  RECONCILE_KEY: z.enum(["email", "employeeId"]).default(RECONCILE_DEFAULTS.key),
  RECONCILE_CREATE_MISSING: flag.default(RECONCILE_DEFAULTS.createMissing),
  RECONCILE_DEACTIVATE_MISSING: flag.default(RECONCILE_DEFAULTS.deactivateMissing),
  RECONCILE_SCOPE_DIVISIONS: list.optional(),
  RECONCILE_KEEP: list.optional(),
  RECONCILE_MAX_DEACTIVATE: threshold.optional(),
  RECONCILE_MAX_CHANGE: threshold.optional(),
});

export class ReconcileOptionsError extends Error {
  override readonly name = "ReconcileOptionsError";
}

/** The reconcile options from `RECONCILE_*` variables (the S3-triggered function). */
export function reconcileOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ReconcileOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new ReconcileOptionsError(`invalid reconcile settings: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    key: e.RECONCILE_KEY,
    createMissing: e.RECONCILE_CREATE_MISSING,
    deactivateMissing: e.RECONCILE_DEACTIVATE_MISSING,
    scopeDivisions: e.RECONCILE_SCOPE_DIVISIONS ?? RECONCILE_DEFAULTS.scopeDivisions,
    keep: e.RECONCILE_KEEP ?? RECONCILE_DEFAULTS.keep,
    maxDeactivate: e.RECONCILE_MAX_DEACTIVATE ?? RECONCILE_DEFAULTS.maxDeactivate,
    maxChange: e.RECONCILE_MAX_CHANGE ?? RECONCILE_DEFAULTS.maxChange,
    dryRun: false,
  };
}
