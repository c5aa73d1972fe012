import { RateLimitedError, TransientGenesysError } from "../genesys/errors.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { UsersApi } from "../genesys/users-api.ts";
import { BudgetDeniedError } from "../ratelimit/budget-denied.ts";
import { Population } from "./population.ts";

/** Attempts of one call that meets a transient error (5xx, timeout) before the reconcile fails. @default 4 */
const TRANSIENT_ATTEMPTS = 4;
/** Rounds of reading again, by id, the users listed without their employer info. @default 2 */
const EMPLOYER_INFO_REREADS = 2;
/** Users per page of the listing (`GET /api/v2/users`, documented maximum 500). */
const PAGE_SIZE = 500;

export interface ListedPopulation {
  readonly population: Population;
  readonly pages: number;
  /** The inactive listing stopped at the API's cap: some inactive users were not listed. */
  readonly inactiveCapped: boolean;
}

/**
 * Every user of the org who is not deleted, listed once through the shared budget (each page waits
 * its turn like every call; a 429 or a pause is waited out, a transient error tried again), with
 * their employer info. With `key: employeeId`, users listed without it (an expansion is best effort)
 * are read again by id, so that their employee ids can be matched.
 */
export async function listPopulation(
  users: Pick<UsersApi, "listUsers" | "getUsers">,
  options: {
    readonly key: "email" | "employeeId";
    readonly signal: AbortSignal;
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    readonly onProgress?: ((listed: number, total: number | undefined) => void) | undefined;
  },
): Promise<ListedPopulation> {
  const { signal, sleep } = options;
  const population = new Population();
  let pages = 0;
  for (let page = 1; ; page++) {
    const { users: entities, pageCount } = await patiently(
      () => users.listUsers({ pageNumber: page, pageSize: PAGE_SIZE }, signal),
      sleep,
      signal,
    );
    pages += 1;
    population.add(entities);
    options.onProgress?.(population.size, undefined);
    if (page >= pageCount || entities.length === 0) break;
  }
  if (options.key === "employeeId") {
    for (let round = 0; round < EMPLOYER_INFO_REREADS && population.employerUnknown.length > 0; round++) {
      const reread: Map<string, GenesysUser> = await patiently(
        () => users.getUsers(population.employerUnknown, signal),
        sleep,
        signal,
      );
      for (const user of reread.values()) population.replace(user);
    }
  }
  return { population, pages, inactiveCapped: false };
}

/**
 * `call` until it answers: a 429 (the budget is paused by it) or a pause longer than the budget's
 * sleep is waited out; a transient error is tried again after 1, 2, 4 s, `TRANSIENT_ATTEMPTS` times.
 */
async function patiently<T>(
  call: () => Promise<T>,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<T> {
  for (let transient = 0; ; ) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RateLimitedError) await sleep(error.retryAfterMs, signal);
      else if (error instanceof BudgetDeniedError && error.reason === "paused")
        await sleep(error.waitMs, signal);
      else if (error instanceof TransientGenesysError && ++transient < TRANSIENT_ATTEMPTS)
        await sleep(1000 * 2 ** (transient - 1), signal);
      else throw error;
    }
  }
}
