import { type ElementKind, elementOf } from "../contract/routing-elements.ts";
import type { ChangeField, FieldValue } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";

/**
 * Whether an element a change wants is in effect already, as far as the bulk read shows (pure):
 * - a skill or a language at that proficiency, or one to remove that the user lacks, when the read
 *   brought `skills` / `languages` back (expansions are best effort: absent says nothing);
 * - a role to remove that the user does not hold (`expand=authorization` lists the roles held, without
 *   their divisions: a grant of a role held is judged by its operation, which reads the grants,
 *   `operations/role-grants.ts`);
 * - never a queue here: no bulk read tells a user's queues; its operation reads the queue's members
 *   (`operations/queue-membership.ts`).
 */
export function elementInEffect(
  user: GenesysUser,
  field: ChangeField,
  value: FieldValue,
  id: string | undefined,
): boolean {
  const element = elementOf(field)?.element;
  if (id === undefined || element === undefined) return false;
  return heldInEffect(user, element, value, (held) => held.id === id);
}

/**
 * The same judgement with the user's elements matched by `matches` (by id in the sync; by name in a
 * reconcile, whose rows name elements that are not looked up).
 */
export function heldInEffect(
  user: GenesysUser,
  element: ElementKind,
  value: unknown,
  matches: (held: { readonly id: string; readonly name?: string | undefined }) => boolean,
): boolean {
  if (element === "skill" || element === "language") {
    const held = element === "skill" ? user.skills : user.languages;
    if (held === undefined) return false;
    const entry = held.find(matches);
    return value === null ? entry === undefined : entry !== undefined && entry.proficiency === value;
  }
  if (element === "role" && value === false) {
    const roles = user.authorization?.roles;
    return roles !== undefined && !roles.some(matches);
  }
  return false;
}
