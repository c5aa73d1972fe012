/** What one sync pass did, counted per message (a change), as logged at the end of every run. */
export interface PassSummary {
  /** Messages received (a copy re-received within the pass counts again). */
  received: number;
  /** Messages whose change was applied (at least one field PATCHed). */
  applied: number;
  /** Messages whose change was already in effect: no PATCH. */
  skippedNoop: number;
  /** Messages whose change was older than one already recorded or held for the same fields. */
  skippedStale: number;
  /** Messages re-queued with a delay (429, transient error, conflict, extension in use, not-before). */
  requeued: number;
  /** Messages sent to the DLQ, invalid ones included. */
  deadLettered: number;
  /** Of the dead-lettered, those that were not valid JSON or broke the schema. */
  invalid: number;
  /** Messages made visible again unprocessed because the run's budget ended or the run stopped. */
  released: number;
  /** 429 answers met (from Genesys) and calls deferred by the shared budget. */
  rateLimited: number;
  /** PATCH calls sent. */
  patches: number;
  /** Bulk reads sent. */
  reads: number;
  /** Age of the oldest change held in this pass (since it was first sent or first seen), ms. */
  maxQueueLagMs: number;
  /** Why the pass ended: `queue-empty`, `budget` (time up), `paused` (a 429 pause longer than the time left), or the stopping error's reason code. */
  endedBy: string;
}

export const emptySummary = (): PassSummary => ({
  received: 0,
  applied: 0,
  skippedNoop: 0,
  skippedStale: 0,
  requeued: 0,
  deadLettered: 0,
  invalid: 0,
  released: 0,
  rateLimited: 0,
  patches: 0,
  reads: 0,
  maxQueueLagMs: 0,
  endedBy: "queue-empty",
});
