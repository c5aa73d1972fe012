import type { GenesysUser, UserExpand } from "../genesys/types.ts";
import type { UserListingAnswer, UserListingQuery } from "../genesys/users-api.ts";
import { withDefaults } from "../with-defaults.ts";

/**
 * The listing of every user who is not deleted, read once, in pages of the largest size the API allows.
 *
 * Genesys answers 400 to an inactive listing past 10,000 users: its Terraform provider (S29) lists
 * active and inactive users apart, stops paging inactive users at 10,000 / pageSize pages and reads a
 * 400 on an inactive page as their end. So this listing reads the active users to the end, and the
 * inactive ones from both ends: ascending up to the cap, then, when the listing says there are more,
 * descending up to the cap until the two ends meet. Up to twice the cap of inactive users are listed
 * so; past that, the ones in the middle are missed, and the result says so (`inactiveCapped`). Whether
 * `state=any` has the same cap is undocumented: it is not used.
 *
 * Pages are offsets: a user created, deleted or changing state while the listing runs shifts the pages
 * after it, so a user may come on two pages (yielded once) or, rarely, on none. Only users who hold
 * still while it runs are certainly listed.
 */

/** The one call the listing makes (lib/genesys/users-api.ts `UsersApi`, paced by the shared budget). */
export interface UserListingPort {
  listUsers(query: UserListingQuery, signal: AbortSignal): Promise<UserListingAnswer>;
}

export interface UserListingOptions {
  readonly signal: AbortSignal;
  /** What every user is read with (best effort: a user may come back without it). @default [] */
  readonly expand?: readonly UserExpand[];
  /** Users per page. @default 500 (the API's maximum) */
  readonly pageSize?: number;
  /** Inactive users one end of the listing reaches before Genesys answers 400 (S29). @default 10 000 */
  readonly inactiveCap?: number;
  /**
   * Told after each call: the users listed so far, and how many there are once both the active and the
   * inactive listing said their `total` (from the second call on).
   */
  readonly onProgress?: (listed: number, total: number | undefined) => void;
}

/** The defaults of `UserListingOptions`, documented there. */
const DEFAULTS = { expand: [] as readonly UserExpand[], pageSize: 500, inactiveCap: 10_000 };

export interface UserListingResult {
  /** Users listed, each once. */
  readonly users: number;
  /** Listing calls made, refused ones included: what the listing cost. */
  readonly pages: number;
  /**
   * Inactive users were missed: both ends of the inactive listing stopped at the cap (or a 400) before
   * they met. (Without a `total` in the answers, ends that meet exactly at the cap read as capped too.)
   */
  readonly inactiveCapped: boolean;
}

/** Why a pass (one state, in one order) stopped. */
export type PassEnd =
  /** Its last page was read (`pageCount` reached, or an empty or short page when the answer has none). */
  | "exhausted"
  /** Descending, it reached users the ascending pass listed, or the listing's `total`. */
  | "met"
  /** It read as many pages as the cap allows. */
  | "capped"
  /** Genesys answered 400: past the cap (an inactive page, S29). */
  | "refused";

/** What the decision after a page looks at. */
export interface PageFacts {
  readonly pageNumber: number;
  readonly pageSize: number;
  /** Users on the page (listed before or not). */
  readonly users: number;
  readonly pageCount: number | undefined;
  /** The pass reached the other end's users (see `PassEnd` `met`). */
  readonly met: boolean;
  /** Pages the pass may read; undefined: to the end. */
  readonly maxPages: number | undefined;
}

/** After a page: read the next one, or why the pass stops (pure). */
export function afterPage(page: PageFacts): PassEnd | "next" {
  if (page.users === 0) return "exhausted";
  if (page.met) return "met";
  const last = page.pageCount === undefined ? page.users < page.pageSize : page.pageNumber >= page.pageCount;
  if (last) return "exhausted";
  if (page.maxPages !== undefined && page.pageNumber >= page.maxPages) return "capped";
  return "next";
}

/** Whether the inactive listing must be read from its other end (pure): its first end stopped early. */
export function needsOtherEnd(end: PassEnd | undefined): boolean {
  return end === "capped" || end === "refused";
}

/**
 * Every user who is not deleted: one yield per call, of the page's users not yielded before (a user
 * who changes state between the listings, or sits where the two ends overlap, comes once; a page may
 * so be empty). The caller can stop between any two calls (stop calling `next()`, or `break`):
 * nothing more is called. The order: the first page of the active and of the inactive listing, then the rest of each,
 * then the inactive listing's other end. A 400 on an active page is thrown (only inactive pages have
 * a cap).
 */
export async function* listEveryUser(
  port: UserListingPort,
  options: UserListingOptions,
): AsyncGenerator<readonly GenesysUser[], UserListingResult, undefined> {
  const o = withDefaults(DEFAULTS, options);
  const maxInactivePages = Math.max(1, Math.floor(o.inactiveCap / o.pageSize));
  const seen = new Set<string>();
  let pages = 0;
  const active = new Pass("active", "ascending", undefined);
  const ascending = new Pass("inactive", "ascending", maxInactivePages);
  const both = [active, ascending];
  const read = async function* (pass: Pass) {
    o.signal.throwIfAborted();
    pages += 1;
    const fresh = (await pass.read(port, o)).filter((u) => !seen.has(u.id));
    for (const user of fresh) seen.add(user.id);
    const known = both.map((p) => p.total);
    o.onProgress?.(
      seen.size,
      known.every((t) => t !== undefined) ? known.reduce((a, b) => a + b, 0) : undefined,
    );
    yield fresh;
  };
  // The first page of each first, so that the progress knows the whole total from the second call on.
  for (const pass of both) yield* read(pass);
  for (const pass of both) while (!pass.end) yield* read(pass);
  let inactiveCapped = false;
  if (needsOtherEnd(ascending.end)) {
    const descending = new Pass("inactive", "descending", maxInactivePages, ascending);
    while (!descending.end) yield* read(descending);
    inactiveCapped = needsOtherEnd(descending.end);
  }
  return { users: seen.size, pages, inactiveCapped };
}

/** One pass over a listing: a state in one order, page after page, until `afterPage` stops it. */
class Pass {
  readonly #state: UserListingQuery["state"];
  readonly #sortOrder: "ascending" | "descending";
  readonly #maxPages: number | undefined;
  /** The pass from the other end, whose users this one meets. */
  readonly #opposite: Pass | undefined;
  /** The ids this pass listed. */
  readonly ids = new Set<string>();
  /** Of `ids`, the ones the opposite pass did not list. */
  #beyondOpposite = 0;
  #pageNumber = 0;
  end: PassEnd | undefined;
  /** The listing's `total`, once an answer said it. */
  total: number | undefined;

  constructor(
    state: UserListingQuery["state"],
    sortOrder: "ascending" | "descending",
    maxPages: number | undefined,
    opposite?: Pass,
  ) {
    this.#state = state;
    this.#sortOrder = sortOrder;
    this.#maxPages = maxPages;
    this.#opposite = opposite;
  }

  /** Reads the next page: its users, and whether the pass ends with it. */
  async read(
    port: UserListingPort,
    o: { readonly signal: AbortSignal; readonly expand: readonly UserExpand[]; readonly pageSize: number },
  ): Promise<readonly GenesysUser[]> {
    if (this.end) return [];
    this.#pageNumber += 1;
    const query: UserListingQuery = {
      state: this.#state,
      sortOrder: this.#sortOrder,
      pageNumber: this.#pageNumber,
      pageSize: o.pageSize,
      expand: o.expand,
    };
    const answer = await port.listUsers(query, o.signal);
    if ("refused" in answer) {
      // Only the inactive listing has a cap (S29); an active page refused is a failure.
      if (this.#state === "active") throw answer.refused;
      this.end = "refused";
      return [];
    }
    this.total = answer.total ?? this.total;
    const opposite = this.#opposite;
    let met = false;
    for (const user of answer.users) {
      if (opposite?.ids.has(user.id)) met = true;
      else if (!this.ids.has(user.id)) this.#beyondOpposite += 1;
      this.ids.add(user.id);
    }
    // Without an overlap the ends meet when, together, they listed as many users as the listing holds.
    const reachedTotal =
      opposite !== undefined &&
      this.total !== undefined &&
      opposite.ids.size + this.#beyondOpposite >= this.total;
    const next = afterPage({
      pageNumber: this.#pageNumber,
      pageSize: o.pageSize,
      users: answer.users.length,
      pageCount: answer.pageCount,
      met: met || reachedTotal,
      maxPages: this.#maxPages,
    });
    if (next !== "next") this.end = next;
    return answer.users;
  }
}
