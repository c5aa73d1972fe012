import { listEveryUser, type UserListingPort } from "../directory/user-listing.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { UsersApi } from "../genesys/users-api.ts";
import { patiently } from "./patiently.ts";
import { Population } from "./population.ts";

/** Rounds of reading again, by id, the users listed without their employer info. @default 2 */
const EMPLOYER_INFO_REREADS = 2;

export interface ListedPopulation {
  readonly population: Population;
  readonly pages: number;
  /** The inactive listing stopped at the API's cap: some inactive users were not listed. */
  readonly inactiveCapped: boolean;
}

/**
 * Every user of the org who is not deleted, listed once through the shared budget (each page waits
 * its turn like every call; a 429 or a pause is waited out, a transient error tried again), with
 * their employer info: `listEveryUser`, which pages around the inactive listing's cap. With `key: employeeId`, users listed without it (an expansion is best effort)
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
  const port: UserListingPort = {
    listUsers: (query, pageSignal) => patiently(() => users.listUsers(query, pageSignal), sleep, signal),
  };
  // Everything a row may be compared with: the expansions cost no call, only a longer answer.
  const expand = ["employerInfo", "skills", "languages", "locations", "authorization"] as const;
  const listing = listEveryUser(port, { signal, expand, onProgress: options.onProgress });
  let item = await listing.next();
  for (; !item.done; item = await listing.next()) population.add(item.value);
  const { pages, inactiveCapped } = item.value;
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
  return { population, pages, inactiveCapped };
}
