import type { EndpointFamily } from "../genesys/endpoint-family.ts";

/**
 * The shared budget allows no call now for this pass: its next slot comes after the pass's deadline
 * (`deadline`), or every invocation is paused after a 429 for longer than a pass may sleep (`paused`).
 * Thrown out of a Genesys call before anything is sent; not a Genesys error (nothing was asked of
 * Genesys), and turned into the pass's mode in one place (lib/sync/failure.ts).
 */
export class BudgetDeniedError extends Error {
  override readonly name = "BudgetDeniedError";
  readonly reason: "deadline" | "paused";
  /** How long until the budget would allow the call, ms. */
  readonly waitMs: number;
  /**
   * Set when the denial is the budget of this endpoint family's own limit (`family-budget.ts`): it
   * holds calls of that family only, not the pass.
   */
  readonly family: EndpointFamily | undefined;
  constructor(reason: "deadline" | "paused", waitMs: number, family?: EndpointFamily) {
    super(
      family !== undefined
        ? `calls of ${family} wait ${Math.ceil(waitMs / 1000)} s for that family's own rate limit, past what this pass may wait`
        : reason === "paused"
          ? `every invocation is paused after a 429 from Genesys Cloud for ${Math.ceil(waitMs / 1000)} s, past what this pass may wait`
          : "this pass's time is up before the shared budget allows the next call",
    );
    this.reason = reason;
    this.waitMs = waitMs;
    this.family = family;
  }
}

/** The error for a denial `acquirePermit` gave back at `nowMs` (`out-of-time` is the pass's deadline). */
export function budgetDenied(
  denial: { readonly kind: "paused" | "out-of-time"; readonly untilMs: number },
  nowMs: number,
  family?: EndpointFamily,
): BudgetDeniedError {
  return new BudgetDeniedError(
    denial.kind === "out-of-time" ? "deadline" : "paused",
    denial.untilMs - nowMs,
    family,
  );
}
