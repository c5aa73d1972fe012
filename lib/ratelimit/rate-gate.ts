import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";

/**
 * The port every Genesys Cloud call goes through before it is sent.
 *
 * Implementations: `LocalRateGate` (one process, in memory) and `SharedRateGate` over a
 * `LimiterStore`: `DynamoRateGate`, the budget that every concurrent invocation shares.
 */

/** The answer to "may I make one call now?". A denial is a value, never an exception. */
export type Permit =
  | {
      readonly granted: true;
      /** The token of the pool (0-based) the call must be made with. */
      readonly slot: number;
    }
  | {
      readonly granted: false;
      /** How long to wait before asking again, in ms (> 0). */
      readonly waitMs: number;
      /** `paced`: the rate budget is spent for now; `paused`: a 429 paused every caller. */
      readonly reason: "paced" | "paused";
    };

export interface RateGate {
  /**
   * Asks for one call. Resolves to a denial with the time to wait when the budget is spent or a
   * pause is in force. Rejects only when the gate's own store fails: callers must then make no call
   * (fail closed). `deadlineMs` (epoch ms): the caller cannot use a permit from then on, so a gate
   * that leases cells leases none past it for its callers.
   */
  tryAcquire(signal?: AbortSignal, deadlineMs?: number): Promise<Permit>;
  /**
   * One more caller waits for a permit, until it calls the returned function (granted or given up).
   * A gate that leases cells takes no more at once than callers wait, so that a caller's work ending
   * leaves no leased cells unspent (`acquirePermit` registers each caller).
   */
  waiting(): () => void;
  /**
   * Optional: a caller holds a permit of a narrower budget that lapses while it waits here, until it
   * calls the returned function; the gate then competes for the budget at each opening rather than
   * backing off (`SharedRateGate`).
   */
  hurry?(): () => void;
  /**
   * A call made with token `slot` met a 429: pause that token, or, when the limit is shared by the
   * tokens, every caller (a pause is only ever extended), and slow down. `sentAt`: when the refused
   * call was sent (epoch ms; default now), the moment the limit's evidence is read at.
   */
  recordRateLimited(retryAfterMs: number, slot: number, signal?: AbortSignal, sentAt?: number): Promise<void>;
  /**
   * An answer carried the rate limit's headers: when they announce
   * a limit the tokens share below the pace, pace below it (and grow the pool no further); when they
   * say its window is full, pause every caller until it resets (`announced-limit.ts`). Never
   * rejects: evidence the store cannot take is dropped (the next `tryAcquire` meets the store anyway).
   */
  recordLimitHeaders(headers: RateLimitHeaders, signal?: AbortSignal): Promise<void>;

  /**
   * Optional: reads the shared state ahead of the first call, so that a new container's first
   * `tryAcquire` is decided on it (callers that ask meanwhile wait for the read). Never rejects: a
   * failed read leaves the gate as it was.
   */
  prime?(signal?: AbortSignal): Promise<void>;
}
