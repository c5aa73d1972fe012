import { z } from "zod";

/** SQS gives `maxReceiveCount` as a number or a numeric string. */
const RedrivePolicy = z.object({ maxReceiveCount: z.coerce.number().int().positive() });

/** `maxReceiveCount` of a queue's `RedrivePolicy` attribute (JSON); undefined when absent or malformed. */
export function parseMaxReceiveCount(redrivePolicy: string | undefined): number | undefined {
  if (!redrivePolicy) return undefined;
  let policy: unknown;
  try {
    policy = JSON.parse(redrivePolicy);
  } catch {
    return undefined;
  }
  const parsed = RedrivePolicy.safeParse(policy);
  return parsed.success ? parsed.data.maxReceiveCount : undefined;
}
