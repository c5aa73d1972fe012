/**
 * Sliding-window request counting for the simulator: per key (a token, an OAuth client), at most
 * `limit` admitted requests within any `windowMs`. Only admitted requests are recorded, so a rejected
 * request does not push the window further out.
 */

export interface WindowVerdict {
  readonly admitted: boolean;
  /** When rejected: ms until the oldest admitted request leaves the window and frees a slot. */
  readonly waitMs: number;
}

export class SlidingWindow {
  readonly #log = new Map<string, number[]>();

  /** Drop every recorded request. */
  clear(): void {
    this.#log.clear();
  }

  /** Whether one more request under `key` fits at `now`; does not record it. */
  check(key: string, limit: number, windowMs: number, now: number): WindowVerdict {
    if (!Number.isFinite(limit)) return { admitted: true, waitMs: 0 };
    const stamps = this.#prune(key, windowMs, now);
    if (stamps.length < limit) return { admitted: true, waitMs: 0 };
    // The request that must expire for one slot to free up (limit <= 0 never frees one).
    const blocker = limit > 0 ? stamps[stamps.length - limit] : undefined;
    const waitMs = blocker === undefined ? windowMs : Math.max(1, blocker + windowMs - now);
    return { admitted: false, waitMs };
  }

  record(key: string, now: number): void {
    const stamps = this.#log.get(key);
    if (stamps) stamps.push(now);
    else this.#log.set(key, [now]);
  }

  /** Requests under `key` still inside the window at `now`. */
  count(key: string, windowMs: number, now: number): number {
    return this.#prune(key, windowMs, now).length;
  }

  /** When the oldest request under `key` still inside the window at `now` came, if any. */
  oldest(key: string, windowMs: number, now: number): number | undefined {
    return this.#prune(key, windowMs, now)[0];
  }

  #prune(key: string, windowMs: number, now: number): number[] {
    const stamps = this.#log.get(key);
    if (!stamps) return [];
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < stamps.length && (stamps[drop] ?? 0) <= cutoff) drop += 1;
    if (drop > 0) stamps.splice(0, drop);
    return stamps;
  }
}
