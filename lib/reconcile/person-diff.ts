import { ELEMENT_SET_KEYS, elementOf, type WantedElement } from "../contract/routing-elements.ts";
import type { ChangeField, ChangeSet, FieldValue, ParsedChange } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import { heldInEffect } from "../sync/element-effect.ts";
import { currentManagerId, planUpdate } from "../sync/plan-update.ts";
import { type AccessHoldings, grantInEffect, NO_HOLDINGS, queueInEffect } from "./access-holdings.ts";
import type { Population } from "./population.ts";

/** Which of a row's fields differ from the user as listed, and which are in effect already. */
export interface PersonDiff {
  readonly differs: readonly ChangeField[];
  readonly same: readonly ChangeField[];
}

/**
 * Compares one row with the user it names, with the sync's own comparison (`planUpdate`: the four
 * phone shapes, E.164 numbers, employer info merged, "" and absent alike), so that what the reconcile
 * finds equal the sync would find a no-op. A field that cannot be judged from the listing (a manager
 * the listing does not name exactly once, employer info the listing did not bring) counts as
 * differing: the sync reads the user again and decides. Queues and grants are judged from `holdings`
 * (what the reconcile read of them); without, they differ. Pure.
 */
export function diffPerson(
  row: ParsedChange,
  user: GenesysUser,
  population: Population,
  holdings: AccessHoldings = NO_HOLDINGS,
): PersonDiff {
  const differs: ChangeField[] = [];
  const same: ChangeField[] = [];
  const wants = new Map<ChangeField, FieldValue>();
  for (const [field, wanted] of row.fields) {
    if (wanted !== null && typeof wanted === "object") {
      if ("manager" in wanted) {
        const id = population.idOf(wanted.manager);
        if (id === undefined) differs.push(field);
        else (id === currentManagerId(user) ? same : differs).push(field);
      } else if ("division" in wanted) {
        // A division by name: matched as the sync looks names up (exactly, else without regard to case).
        const name = "name" in wanted.division ? wanted.division.name.toLowerCase() : undefined;
        (name !== undefined && user.division?.name?.toLowerCase() === name ? same : differs).push(field);
      } else if (isDivisionList(wanted)) differs.push(field);
      else (elementInEffectByName(user, wanted, holdings) ? same : differs).push(field);
    } else if (field === "email") {
      // Emails are one person's without regard to case.
      const current = user.email?.trim().toLowerCase() ?? "";
      (current === String(wanted).trim().toLowerCase() ? same : differs).push(field);
    } else wants.set(field, wanted);
  }
  const plan = planUpdate(user, wants);
  same.push(...plan.noop);
  differs.push(...(plan.profile?.fields ?? []), ...plan.unknown);
  if (plan.state) differs.push("state");
  if (plan.division) differs.push("division");
  return { differs, same };
}

/** A role's division ids: what a change carries only once bound, never in a file's row. */
const isDivisionList = (value: object): value is readonly string[] => Array.isArray(value);

/**
 * Whether an element (or a location by name) is in effect as the listing shows the user (its
 * `expand` of skills, languages, locations and roles; absent says nothing, so it differs). Names
 * match without regard to case, as element fields do. A queue, and a grant of a role the user holds,
 * are judged from `holdings` (no listing tells a user's queues, nor the divisions of a role held).
 */
function elementInEffectByName(
  user: GenesysUser,
  wanted: WantedElement | { readonly location: { readonly name: string } | { readonly id: string } },
  holdings: AccessHoldings,
): boolean {
  if ("location" in wanted) {
    const first = user.locations?.[0];
    const ref = wanted.location;
    return "name" in ref
      ? first?.locationDefinition?.name === ref.name
      : (first?.locationDefinition?.id ?? first?.id) === ref.id;
  }
  if (wanted.element === "queue") return queueInEffect(holdings, user, wanted.name, wanted.value === true);
  const grant = wanted.value;
  if (wanted.element === "role" && (grant === true || (typeof grant === "object" && grant !== null)))
    return grantInEffect(holdings, user, wanted.name, grant);
  const name = wanted.name.toLowerCase();
  return heldInEffect(user, wanted.element, wanted.value, (held) => held.name?.toLowerCase() === name);
}

/**
 * The part of a row's `set` that carries `fields` (the manager under whichever key the row used; an
 * element field, `skill:Billing`, as that entry of its map, `skills.Billing`).
 */
export function setOf(set: ChangeSet, fields: readonly ChangeField[]): ChangeSet {
  const keys = new Set<string>(fields);
  if (keys.has("managerId") && set.manager !== undefined) keys.add("manager");
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(set).filter(([key, value]) => value !== undefined && keys.has(key)),
  );
  const elements = new Map<string, Map<string, unknown>>();
  for (const field of fields) {
    const at = elementOf(field);
    if (at === undefined) continue;
    const map = set[ELEMENT_SET_KEYS[at.element]] as Record<string, unknown> | undefined;
    // The field's key is the name in lower case; the map's entry is the name as the row gives it.
    const name = Object.keys(map ?? {}).find((n) => n.trim().toLowerCase() === at.key);
    if (map === undefined || name === undefined) continue;
    const key = ELEMENT_SET_KEYS[at.element];
    elements.set(key, (elements.get(key) ?? new Map()).set(name, map[name]));
  }
  for (const [key, entries] of elements) out[key] = Object.fromEntries(entries);
  return out as ChangeSet;
}
