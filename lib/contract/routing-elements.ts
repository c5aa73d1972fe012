import { z } from "zod";

/**
 * Routing and access in a change: element maps, so that a change names only the elements it changes
 * (adding skill A never removes skill B). Each element is a field of its own, with its own high-water
 * mark (`skill:<name>` …): an older "remove skill A" arriving after a newer "add skill A" is stale.
 */

/** The kinds of element a change may name, each a map in `set`. */
export const ELEMENT_KINDS = ["skill", "language", "queue", "role"] as const;
export type ElementKind = (typeof ELEMENT_KINDS)[number];

/** The `set` key of each kind's map. */
export const ELEMENT_SET_KEYS = {
  skill: "skills",
  language: "languages",
  queue: "queues",
  role: "roles",
} as const satisfies Record<ElementKind, string>;

/**
 * One element's field: `skill:billing`, `queue:support emea`: the name trimmed and in lower case, so
 * that "Billing" and "billing" (which look up the same skill) share one high-water mark.
 */
export type ElementField = `${ElementKind}:${string}`;

/** Genesys's proficiency scale for skills and languages (SDK `UserRoutingSkillPost`: 0 to 5). */
const proficiency = z
  .number({ message: "must be a proficiency from 0 to 5, or null to remove it" })
  .min(0, { message: "must be a proficiency from 0 to 5" })
  .max(5, { message: "must be a proficiency from 0 to 5" })
  .nullable();

const elementName = z.string().trim().min(1).max(255);

/** A map that names at least one element (an empty map would change nothing, silently). */
const elementMap = <V extends z.ZodType>(value: V, what: string) =>
  z
    .record(elementName, value)
    .refine((map) => Object.keys(map).length > 0, { message: `must name at least one ${what}` })
    // One element, one field: "Billing" and "billing" look up the same skill.
    .refine(
      (map) => new Set(Object.keys(map).map((n) => n.trim().toLowerCase())).size === Object.keys(map).length,
      { message: `names a ${what} twice (names are matched without regard to case)` },
    );

/** A role granted in the user's home division (`true`), in named divisions, or removed (`false`). */
const roleGrant = z.union(
  [
    z.boolean(),
    z.strictObject({
      divisions: z
        .array(z.string().trim().min(1).max(255))
        .min(1, { message: "must name at least one division" }),
    }),
  ],
  { message: 'must be true, false or { "divisions": [names] }' },
);

/** The `set` keys for routing and access, merged into the change set's schema. */
export const routingSetShape = {
  /** Skills by name: a proficiency 0 to 5 adds or updates, null removes. */
  skills: elementMap(proficiency, "skill").optional(),
  /** Languages by name: a proficiency 0 to 5 adds or updates, null removes. */
  languages: elementMap(proficiency, "language").optional(),
  /** Queues by name: true joins, false leaves. */
  queues: elementMap(z.boolean(), "queue").optional(),
  /**
   * Roles by name: true grants in the user's home division, `{ "divisions": [names] }` in those
   * divisions, false removes the role (in every division it is held in).
   */
  roles: elementMap(roleGrant, "role").optional(),
  /** The user's location by id or by name, or null to remove it. */
  location: z
    .union(
      [
        z.strictObject({ id: z.guid({ message: "must be a UUID" }) }),
        z.strictObject({ name: z.string().trim().min(1).max(255) }),
      ],
      { message: 'must be { "id" } or { "name" }, or null to remove it' },
    )
    .nullable()
    .optional(),
};

/** What a change wants of one element, before its name is looked up. */
export interface WantedElement {
  readonly element: ElementKind;
  readonly name: string;
  /** A proficiency (skills, languages), true/false (queues), or a role's grant. */
  readonly value: number | boolean | null | { readonly divisions: readonly string[] };
}

/** The element fields of a change's set, one per named element. */
export function elementFieldsOf(set: Record<string, unknown>): [ElementField, WantedElement][] {
  const out: [ElementField, WantedElement][] = [];
  for (const element of ELEMENT_KINDS) {
    const map = set[ELEMENT_SET_KEYS[element]] as Record<string, WantedElement["value"]> | undefined;
    if (map === undefined) continue;
    for (const [name, value] of Object.entries(map))
      out.push([`${element}:${name.trim().toLowerCase()}`, { element, name: name.trim(), value }]);
  }
  return out;
}

/** The element an element field names, or undefined for another field. */
export function elementOf(
  field: string,
): { readonly element: ElementKind; readonly key: string } | undefined {
  const at = field.indexOf(":");
  if (at < 0) return undefined;
  const element = field.slice(0, at) as ElementKind;
  return ELEMENT_KINDS.includes(element) ? { element, key: field.slice(at + 1) } : undefined;
}

/** Whether a field is an element's (`skill:…`, `language:…`, `queue:…`, `role:…`). */
export const isElementField = <F extends string>(field: F): field is Extract<F, ElementField> =>
  elementOf(field) !== undefined;
