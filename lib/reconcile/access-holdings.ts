import { elementFieldsOf } from "../contract/routing-elements.ts";
import type { ParsedChange } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";

/**
 * What a reconcile read of queue memberships and role grants (read-access.ts), as data for the diff:
 * no listing tells a user's queues, nor the divisions of the roles a user holds, so these come from
 * one read per queue and one per role for the whole file. Pure data; names in lower case.
 */
export interface AccessHoldings {
  /**
   * The members (user ids) of each queue the file names that was found, by name; `complete` when the
   * listing was read whole (only then is anyone absent from it judged not a member).
   */
  readonly queueMembers: ReadonlyMap<
    string,
    { readonly userIds: ReadonlySet<string>; readonly complete: boolean }
  >;
  /** Per role id read: user id → the ids of the divisions the user holds the role in. */
  readonly roleGrants: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
  /** The org's home division (where a grant `true` is), when some row needed it. */
  readonly homeDivisionId: string | undefined;
  /** The ids of the divisions rows' grants name, by name (those found). */
  readonly divisionIds: ReadonlyMap<string, string>;
}

/** Nothing read: every queue and every grant of a role held differs. */
export const NO_HOLDINGS: AccessHoldings = {
  queueMembers: new Map(),
  roleGrants: new Map(),
  homeDivisionId: undefined,
  divisionIds: new Map(),
};

/** What the rows' queues and grants need read: names by their lower case (as matched), as first given. */
export class AccessNeeds {
  readonly queueNames = new Map<string, string>();
  readonly roleIds = new Set<string>();
  readonly divisionNames = new Map<string, string>();
  homeDivision = false;

  /**
   * Adds what judging the row's queues and grants needs; true when it needs anything. A grant of a
   * role the user does not hold (per the listing's `authorization`) needs nothing: it differs; a
   * removal is judged from the listing alone.
   */
  add(row: ParsedChange, user: GenesysUser): boolean {
    let needs = false;
    for (const [, wanted] of elementFieldsOf(row.change.set)) {
      if (wanted.element === "queue") {
        addName(this.queueNames, wanted.name);
        needs = true;
      } else if (wanted.element === "role" && wanted.value !== false) {
        const held = heldRole(user, wanted.name);
        if (held === undefined) continue;
        this.roleIds.add(held.id);
        if (wanted.value === true) this.homeDivision = true;
        else if (typeof wanted.value === "object" && wanted.value !== null)
          for (const name of wanted.value.divisions) addName(this.divisionNames, name);
        needs = true;
      }
    }
    return needs;
  }

  get empty(): boolean {
    return this.queueNames.size === 0 && this.roleIds.size === 0;
  }
}

function addName(names: Map<string, string>, name: string): void {
  const key = name.trim().toLowerCase();
  if (!names.has(key)) names.set(key, name.trim());
}

/** The role named `name` (without regard to case) among those the listing shows the user holds. */
export function heldRole(user: GenesysUser, name: string): { readonly id: string } | undefined {
  const lower = name.trim().toLowerCase();
  return user.authorization?.roles?.find((role) => role.name?.toLowerCase() === lower);
}

/**
 * Whether a queue element is in effect: `true` when the user is a member of the queue, `false` when
 * not in a queue read whole. A queue not found (unknown name) is never in effect: the sync dead-letters it by name.
 */
export function queueInEffect(
  holdings: AccessHoldings,
  user: GenesysUser,
  name: string,
  join: boolean,
): boolean {
  const members = holdings.queueMembers.get(name.trim().toLowerCase());
  if (members === undefined) return false;
  return join ? members.userIds.has(user.id) : members.complete && !members.userIds.has(user.id);
}

/**
 * Whether a grant (`true`: the home division; `{ divisions }`: those named) is in effect: the user
 * holds the role, as the role's read shows, in every division it names. A role not held, not read, or
 * a division not found: not in effect.
 */
export function grantInEffect(
  holdings: AccessHoldings,
  user: GenesysUser,
  name: string,
  grant: true | { readonly divisions: readonly string[] },
): boolean {
  const held = heldRole(user, name);
  const divisions = held === undefined ? undefined : holdings.roleGrants.get(held.id)?.get(user.id);
  if (divisions === undefined) return false;
  const wanted =
    grant === true
      ? [holdings.homeDivisionId]
      : grant.divisions.map((d) => holdings.divisionIds.get(d.trim().toLowerCase()));
  return wanted.every((id) => id !== undefined && divisions.has(id));
}
