import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
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

/**
 * A schedule's rule without an input sends the whole EventBridge event (Powertools parser's schema of
 * it); its `detail` holds nothing for us. Powertools' `EventBridgeEnvelope` would hand back only the
 * `detail`, and it is the `detail-type` that says the event is a schedule's.
 */
const scheduledEventSchema = EventBridgeSchema.extend({ "detail-type": z.literal("Scheduled Event") });

export function parseRunInput(event: unknown): RunInput {
  if (event === undefined || event === null) return {};
  if (scheduledEventSchema.safeParse(event).success) return {};
  const parsed = runInputSchema.safeParse(event);
  if (!parsed.success) throw new RunInputError(`invalid run input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
