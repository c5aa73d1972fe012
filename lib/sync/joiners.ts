/**
 * Joiners (pure): the people a batch names by email with `ifMissing: "create"` whom Genesys Cloud has
 * no active or inactive user for (absence proven, `Resolution` `not-found`), and what to create them
 * with. Everything the create does not take (manager, employer info, phones, …) is applied afterwards
 * as any change is, to the user created or restored.
 */
import { type DivisionRef, type ParsedChange, type UserKey, userKeyString } from "../contract/user-change.ts";
import type { CreateUserBody } from "../genesys/types.ts";
import type { DivisionResolutions, ParsedBatch, Resolutions } from "./batch-plan.ts";

export interface Joiner {
  /** The email as the changes name it (lower case). */
  readonly email: string;
  readonly key: UserKey;
  /** What `POST /api/v2/users` is sent (the newest value of each field among the batch's changes). */
  readonly create: CreateUserBody;
  /** The messages that asked for the create. */
  readonly messageKeys: readonly string[];
}

/** The fields of a change that the create takes (SDK `CreateUser`); the rest follow in a PATCH. */
const CREATE_FIELDS = ["name", "title", "department", "state"] as const;

/**
 * The batch's joiners: per email named with `ifMissing: "create"` and resolved `not-found`, the
 * create built from the newest value of each field any change of the batch for that email sets (an
 * older change's value where the newest does not name the field). A division named that did not
 * resolve is left out of the create (that field is dead-lettered on its own; the user goes to the
 * Home division).
 */
export function joinersOf(
  batch: ParsedBatch,
  resolutions: Resolutions,
  divisions: DivisionResolutions,
): Joiner[] {
  const byEmail = new Map<
    string,
    { key: UserKey; changes: { messageKey: string; parsed: ParsedChange }[] }
  >();
  for (const { messageKey, parsed } of batch.changes) {
    const key = parsed.subject;
    if (key.by !== "email") continue;
    const entry = byEmail.get(key.value) ?? { key, changes: [] };
    entry.changes.push({ messageKey, parsed });
    byEmail.set(key.value, entry);
  }
  const joiners: Joiner[] = [];
  for (const [email, { key, changes }] of byEmail) {
    if (!changes.some((c) => c.parsed.change.ifMissing === "create")) continue;
    if (resolutions.get(userKeyString(key))?.kind !== "not-found") continue;
    const newestFirst = [...changes].sort(
      (a, b) =>
        b.parsed.changedAtMs - a.parsed.changedAtMs ||
        b.parsed.change.changeId.localeCompare(a.parsed.change.changeId),
    );
    const newest = <K extends keyof ParsedChange["change"]["set"]>(field: K) =>
      newestFirst.find((c) => c.parsed.change.set[field] !== undefined)?.parsed.change.set[field];
    const values: Record<string, unknown> = {};
    for (const field of CREATE_FIELDS) {
      const value = newest(field);
      if (value !== undefined && value !== null) values[field] = value;
    }
    const divisionId = divisionIdOf(newest("division"), divisions);
    joiners.push({
      email,
      key,
      create: {
        name: String(values.name ?? email),
        email,
        ...(typeof values.title === "string" ? { title: values.title } : {}),
        ...(typeof values.department === "string" ? { department: values.department } : {}),
        ...(divisionId === undefined ? {} : { divisionId }),
        // Without a state the create makes an inactive user unless invites are sent (SDK `CreateUser`).
        state: values.state === "inactive" ? "inactive" : "active",
      },
      messageKeys: changes.map((c) => c.messageKey),
    });
  }
  return joiners;
}

function divisionIdOf(ref: DivisionRef | undefined, divisions: DivisionResolutions): string | undefined {
  if (ref === undefined) return undefined;
  if ("id" in ref) return ref.id;
  const resolved = divisions.get(ref.name);
  return resolved?.kind === "found" ? resolved.id : undefined;
}

/**
 * Leavers named by an email no active or inactive user holds (`not-found`): changes that only set
 * `state: "inactive"`, without `ifMissing: "create"`. A deleted user may hold the email: the
 * deactivation is then in effect already (a no-op), rather than a dead letter for on-call.
 */
export function leaversOf(batch: ParsedBatch, resolutions: Resolutions): UserKey[] {
  const keys = new Map<string, UserKey>();
  for (const { parsed } of batch.changes) {
    const key = parsed.subject;
    if (key.by !== "email" || resolutions.get(userKeyString(key))?.kind !== "not-found") continue;
    const onlyDeactivates = parsed.fields.size === 1 && parsed.fields.get("state") === "inactive";
    if (onlyDeactivates && parsed.change.ifMissing !== "create") keys.set(key.value, key);
  }
  return [...keys.values()];
}
