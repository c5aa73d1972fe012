/**
 * Routing and access in a batch (pure): the names of skills, languages, queues, roles, locations (and
 * the divisions of role grants) its changes use, each once; then each element bound to the value an
 * operation sends, its object's id kept beside it (`elementIds`, by field). A name that finds nothing
 * refuses that element alone, naming it; the change's other fields go on.
 */

import type { WantedElement } from "../contract/routing-elements.ts";
import type { ChangeField, FieldValue, WantedValue } from "../contract/user-change.ts";
import type { DivisionResolutions, ParsedBatch } from "./batch-plan.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { DeadLetterReason } from "./held-message.ts";
import type { CatalogKind } from "./pass-deps.ts";

/** What a name resolved to. */
export type NameResolution =
  | { readonly kind: "found"; readonly id: string }
  | { readonly kind: "not-found" }
  /** The lookup failed (Genesys): the changes that use the name get this outcome for it. */
  | { readonly kind: "failed"; readonly outcome: FieldOutcome };

/** Catalog names' resolutions by `catalogKey`, and the home division's (when a role needs it). */
export interface CatalogResolutions {
  readonly names: ReadonlyMap<string, NameResolution>;
  readonly home?: NameResolution;
}

/** The key of a catalog name in resolutions and in `elementIds`: `skill:Billing`, `location:Dublin`. */
export const catalogKey = (kind: CatalogKind, name: string): string => `${kind}:${name}`;

const isElement = (value: WantedValue | undefined): value is WantedElement =>
  typeof value === "object" && value !== null && "element" in value;

const isLocationRef = (
  value: WantedValue | undefined,
): value is { readonly location: { readonly name: string } | { readonly id: string } } =>
  typeof value === "object" && value !== null && "location" in value;

/** How a location is looked up: by name (`location`), or its id checked (`locationId`). */
const locationLookup = (ref: { readonly name: string } | { readonly id: string }): [CatalogKind, string] =>
  "name" in ref ? ["location", ref.name] : ["locationId", ref.id];

/** The catalog names a batch uses, per kind; the division names of its role grants; whether a role wants the home division. */
export function catalogToResolve(batch: ParsedBatch): {
  readonly names: ReadonlyMap<CatalogKind, readonly string[]>;
  readonly divisions: readonly string[];
  readonly home: boolean;
} {
  const names = new Map<CatalogKind, Set<string>>();
  const divisions = new Set<string>();
  let home = false;
  const add = (kind: CatalogKind, name: string): void => {
    names.set(kind, (names.get(kind) ?? new Set()).add(name));
  };
  for (const { parsed } of batch.changes) {
    for (const value of parsed.fields.values()) {
      if (isLocationRef(value)) add(...locationLookup(value.location));
      if (!isElement(value)) continue;
      add(value.element, value.name);
      if (value.value === true) home = true;
      if (typeof value.value === "object" && value.value !== null)
        for (const d of value.value.divisions) divisions.add(d);
    }
  }
  return { names: new Map([...names].map(([k, v]) => [k, [...v]])), divisions: [...divisions], home };
}

export type BoundElement =
  | { readonly ok: true; readonly value: FieldValue; readonly id: string }
  | { readonly ok: false; readonly outcome: FieldOutcome };

/**
 * One element (or a location by name) bound: its value as an operation sends it (a proficiency or
 * null; true or false for a queue; a role's division ids, or false) with its object's id; or the
 * outcome that refuses it. Undefined for a value that is neither.
 */
export function bindElement(
  field: ChangeField,
  value: WantedValue,
  catalog: CatalogResolutions,
  divisions: DivisionResolutions,
): BoundElement | undefined {
  if (isLocationRef(value)) {
    const found = lookup(catalog.names, ...locationLookup(value.location));
    return found.ok ? { ok: true, value: found.id, id: found.id } : found;
  }
  if (!isElement(value)) return undefined;
  const found = lookup(catalog.names, value.element, value.name);
  if (!found.ok) return found;
  const wanted = value.value;
  if (typeof wanted !== "object" || wanted === null) {
    if (value.element !== "role" || wanted !== true) return { ok: true, value: wanted, id: found.id };
    const home = catalog.home ?? { kind: "not-found" };
    if (home.kind === "failed") return { ok: false, outcome: home.outcome };
    if (home.kind === "not-found")
      return {
        ok: false,
        outcome: dead(
          "genesys.division.not.found",
          `the home division could not be read, so role "${value.name}" cannot be granted in it (${field})`,
        ),
      };
    return { ok: true, value: [home.id], id: found.id };
  }
  const ids: string[] = [];
  for (const name of wanted.divisions) {
    const division = divisions.get(name) ?? { kind: "not-found" };
    if (division.kind === "failed") return { ok: false, outcome: division.outcome };
    if (division.kind === "not-found")
      return {
        ok: false,
        outcome: dead(
          "genesys.division.not.found",
          `no Genesys Cloud division is named "${name}", in which role "${value.name}" is to be granted (the change's other fields were applied): create the division or correct the name, then replay`,
        ),
      };
    ids.push(division.id);
  }
  return { ok: true, value: [...new Set(ids)].sort(), id: found.id };
}

function lookup(
  names: ReadonlyMap<string, NameResolution>,
  kind: CatalogKind,
  name: string,
): { readonly ok: true; readonly id: string } | { readonly ok: false; readonly outcome: FieldOutcome } {
  const found = names.get(catalogKey(kind, name)) ?? { kind: "not-found" };
  if (found.kind === "found") return { ok: true, id: found.id };
  if (found.kind === "failed") return { ok: false, outcome: found.outcome };
  if (kind === "locationId")
    return {
      ok: false,
      outcome: dead(
        "genesys.location.not.found",
        `Genesys Cloud has no location ${name} (the change's other fields and elements were applied): correct the id, then replay`,
      ),
    };
  return {
    ok: false,
    outcome: dead(
      `genesys.${kind}.not.found`,
      `no Genesys Cloud ${kind} is named "${name}" (the change's other fields and elements were applied): create the ${kind} or correct the name, then replay`,
    ),
  };
}

const dead = (code: string, reason: string): FieldOutcome => ({
  kind: "dead",
  why: { code, reason } satisfies DeadLetterReason,
});
