import type { ChangeQueuePort, HeldMessage } from "./held-message.ts";
import type { Log } from "./log.ts";
import { SYNC_PASS_DEFAULTS as DEFAULTS, type SyncPassOptions } from "./pass-deps.ts";

/**
 * Receives up to `batchSize` messages: one receive that may long-poll, then, if it came back full, the
 * rest in parallel (SQS hands out at most 10 a call; a round trip each in a row would leave the rate
 * budget idle between batches).
 */
export async function receiveBatch(
  queue: ChangeQueuePort,
  log: Log,
  options: SyncPassOptions,
  batchSize: number,
  now: () => number,
  signal: AbortSignal,
): Promise<HeldMessage[]> {
  // Hidden until shortly after the deadline: if the function dies, they come back soon.
  const visibility = () => Math.ceil((options.deadlineMs - now()) / 1000) + 30;
  const wait = options.receiveWaitSeconds ?? DEFAULTS.receiveWaitSeconds;
  const first = await queue.receive(Math.min(10, batchSize), visibility(), wait, signal);
  const held = [...first];
  if (first.length === 10 && batchSize > 10) {
    const more = Math.ceil((batchSize - 10) / 10);
    const rest = await Promise.all(
      Array.from({ length: more }, (_, i) =>
        queue.receive(Math.min(10, batchSize - 10 - i * 10), visibility(), 0, signal),
      ),
    );
    held.push(...rest.flat());
  }
  // A message can come back twice only if its visibility ran out in between; keep one copy. (Only the
  // newest receipt handle can settle it; the other's copy returns after its visibility timeout.)
  const seen = new Set<string>();
  const unique = held.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
  if (unique.length < held.length) {
    log.warn("the queue handed out messages twice in one batch; one copy each is kept", {
      duplicates: held.length - unique.length,
    });
  }
  return unique;
}
