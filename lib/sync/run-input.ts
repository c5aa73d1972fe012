import { z } from "zod";
import { describeIssues } from "../contract/user-change.ts";

/**
 * Options a sync run accepts: the EventBridge schedule's constant input (`{ "budgetSeconds": 240 }`),
 * or a plain "Scheduled Event" (no options). Anything else is rejected, so a typo in the schedule's
 * input fails loudly instead of being ignored.
 */
export const runInputSchema = z.strictObject({
  /** Upper bound on the pass's working time, s; the Lambda's remaining time minus the margin still applies. */
  budgetSeconds: z.number().int().min(1).max(900).optional(),
  /** What the run does: a sync pass (default), or the daily rebuild of the directory index. */
  task: z.enum(["sync", "directory-refresh"]).optional(),
});

export type RunInput = z.infer<typeof runInputSchema>;

export class RunInputError extends Error {
  override readonly name = "RunInputError";
}

export function parseRunInput(event: unknown): RunInput {
  if (event === undefined || event === null) return {};
  if (typeof event === "object" && (event as Record<string, unknown>)["detail-type"] === "Scheduled Event")
    return {};
  const parsed = runInputSchema.safeParse(event);
  if (!parsed.success) throw new RunInputError(`invalid run input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
