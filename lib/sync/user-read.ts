import { elementOf } from "../contract/routing-elements.ts";
import type { ChangeField, UserKey } from "../contract/user-change.ts";
import type { GenesysUser, UserExpand } from "../genesys/types.ts";
import { EMPLOYER_INFO_EVIDENCE } from "./employer-info-evidence.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { UsersPort } from "./pass-deps.ts";
import { employerInfoKnown } from "./plan-update.ts";

/** Users read for a batch, and what the reads cost. */
export interface UsersRead {
  readonly users: Map<string, GenesysUser>;
  /** Genesys calls made (a bulk read is one call per 100 ids). */
  readonly calls: number;
  /** Reads the users of `needEmployer` went through: the first, and each round read again. */
  readonly employerReads: number;
}

/**
 * Reads users in bulk; those of `needEmployer` whose read lacks `employerInfo` (an expansion is best
 * effort) are read again, all together, up to `EMPLOYER_INFO_EVIDENCE.rereads` times. A user read again
 * replaces its first read only when the expansion came back. `expand`: what the batch's fields need
 * to be compared (`expandsFor`).
 */
export async function readUsers(
  port: UsersPort,
  ids: readonly string[],
  needEmployer: ReadonlySet<string>,
  signal: AbortSignal,
  expand: readonly UserExpand[] = ["employerInfo"],
): Promise<UsersRead> {
  let calls = Math.ceil(ids.length / 100);
  const users = await port.getUsers(ids, signal, expand);
  let employerReads = 1;
  for (let round = 0; round < EMPLOYER_INFO_EVIDENCE.rereads; round++) {
    const missing = [...needEmployer].filter((id) => {
      const user = users.get(id);
      return user !== undefined && !employerInfoKnown(user);
    });
    if (missing.length === 0) break;
    calls += Math.ceil(missing.length / 100);
    employerReads += 1;
    for (const [id, user] of await port.getUsers(missing, signal, expand)) {
      if (employerInfoKnown(user)) users.set(id, user);
    }
  }
  return { users, calls, employerReads };
}

/** What the bulk read said of the names resolved from the cache. */
export interface CachedNameCheck {
  /** Users a cached name no longer fits. */
  readonly doubted: ReadonlySet<string>;
  /** Users whose cached employee id the read could not check. */
  readonly unconfirmed: ReadonlySet<string>;
  /** The names of the doubted users, to resolve afresh. */
  readonly forget: readonly UserKey[];
}

/**
 * Names resolved from the cache must still name the user read (pure): emails are reassigned, users
 * deleted and re-created, employee ids corrected. The ids of names that no longer fit (or users no
 * longer there) are `doubted`, and their names to `forget`: a mapping in doubt is never PATCHed. An
 * employee id cannot be checked on a read that did not bring `employerInfo` back: such users are
 * `unconfirmed` (neither PATCHed nor forgotten), unless `concludedNone(id)` says the evidence is
 * conclusive that they have no employer info (then the name does not fit).
 */
export function checkCachedNames(
  cachedNames: ReadonlyMap<string, readonly UserKey[]>,
  current: ReadonlyMap<string, GenesysUser>,
  concludedNone: (userId: string) => boolean,
): CachedNameCheck {
  const doubted = new Set<string>();
  const unconfirmed = new Set<string>();
  const forget: UserKey[] = [];
  for (const [id, names] of cachedNames) {
    const user = current.get(id);
    for (const name of names) {
      // A deleted user no longer carries its names (a search by them finds it no more): a joiner is
      // then restored, a leaver's deactivation found in effect, instead of refused as deleted.
      const fits = user && user.state !== "deleted" ? carriesName(user, name) : false;
      if (fits === true) continue;
      if (fits === "unknown" && !concludedNone(id)) {
        unconfirmed.add(id);
        continue;
      }
      doubted.add(id);
      forget.push(name);
    }
  }
  return { doubted, unconfirmed, forget };
}

/**
 * Whether the user read still carries the name (an email without regard to case); `unknown` for an
 * employee id when the read did not bring `employerInfo` back.
 */
function carriesName(user: GenesysUser, name: UserKey): boolean | "unknown" {
  if (name.by === "email") return user.email?.toLowerCase() === name.value;
  if (name.by === "employeeId")
    return employerInfoKnown(user) ? user.employerInfo?.employeeId === name.value : "unknown";
  return user.id === name.value;
}

/** A change bound through a cached name that no longer fits: back to the queue, resolved afresh. */
export const reresolve = (userId: string): FieldOutcome => ({
  kind: "retry",
  waitMs: 1_000,
  countsAttempt: false,
  why: {
    code: "sync.user.reresolve",
    reason: `a cached name no longer names user ${userId} (renamed, re-created or corrected): the change is re-queued to resolve it afresh`,
  },
});

/**
 * What a batch's reads expand: `employerInfo` always (planning merges the employer fields, and a
 * cached employee id is confirmed with it), and a user's skills, languages, locations or roles held
 * when a change names them, so that what is in effect is skipped without a call (pure).
 */
export function expandsFor(wants: Iterable<{ readonly field: ChangeField }>): UserExpand[] {
  const expand = new Set<UserExpand>(["employerInfo"]);
  for (const { field } of wants) {
    const element = elementOf(field)?.element;
    if (element === "skill") expand.add("skills");
    else if (element === "language") expand.add("languages");
    // A removal of a role not held is skipped; a grant of a role not held is sent without reading the grants.
    else if (element === "role") expand.add("authorization");
    else if (field === "location") expand.add("locations");
  }
  return [...expand];
}
