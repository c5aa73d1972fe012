import {
  type ChangeField,
  describeUserKey,
  type FieldValue,
  type ParsedChange,
  parseUserChange,
  type UserKey,
  userKeyString,
  type WantedValue,
} from "../contract/user-change.ts";
import { bindElement, type CatalogResolutions, type NameResolution } from "./bind-elements.ts";
import { type BoundChange, coalesceByUser, type UserWants } from "./coalesce.ts";
import type { Disposition, FieldOutcome } from "./field-outcome.ts";
import type { DeadLetterReason, HeldMessage } from "./held-message.ts";
import { delayFor } from "./requeue-delay.ts";

/** A held batch, parsed: what can be settled at once, and the valid changes (pure data). */
export interface ParsedBatch {
  /** Messages settled whole without any Genesys work: invalid (dead letter) or not yet due (re-queued). */
  readonly early: ReadonlyMap<string, Disposition>;
  readonly changes: readonly {
    readonly messageKey: string;
    readonly parsed: ParsedChange;
    /** Failed attempts recorded on the message. */
    readonly attempts: number;
  }[];
}

/** What a name (email, employee id) resolved to. */
export type Resolution =
  /**
   * `cached`: from the state table's cache, so the bulk read must confirm it. `created`: the pass has
   * just created the user (a joiner), so it has no employer info yet. `stateSet`: the pass created or
   * restored the user, so it set the user's state as of the joiner's change.
   */
  | {
      readonly kind: "found";
      readonly id: string;
      readonly cached: boolean;
      readonly created?: boolean;
      readonly stateSet?: boolean;
    }
  /** `hint`: what the operator may do about it, added to the dead letter's reason. */
  | { readonly kind: "not-found"; readonly hint?: string }
  | { readonly kind: "ambiguous"; readonly ids: readonly string[] }
  /** The lookup itself failed (Genesys, DynamoDB): the changes that use the name get this outcome. */
  | { readonly kind: "failed"; readonly outcome: FieldOutcome }
  /** Nobody found, but absence is not proven yet: the changes that use the name get this (a retry). */
  | { readonly kind: "unproven"; readonly outcome: FieldOutcome };

/** Division resolutions by the name as the changes give it. */
export type DivisionResolutions = ReadonlyMap<string, NameResolution>;

/** A name a batch uses, with the newest change that uses it (absence must be proven after it). */
export interface NameToResolve {
  readonly name: UserKey;
  readonly changedAtMs: number;
  /**
   * An email that a change of the batch, about that person, says to create if nobody has it
   * (`ifMissing: "create"`): proven absent, it is provisioned (`provision-joiners.ts`), which searches
   * for it in every state first.
   */
  readonly createIfMissing?: true;
}

/** Resolutions by `userKeyString`. */
export type Resolutions = ReadonlyMap<string, Resolution>;

/** What a held batch asks for, with every name bound to a Genesys id (pure data). */
export interface BatchPlan {
  readonly early: ReadonlyMap<string, Disposition>;
  /** Per user, the newest change per field, and which held message sets which fields. */
  readonly users: ReadonlyMap<string, UserWants>;
  /** Outcomes fixed before any call, per message (a manager that does not resolve). */
  readonly refused: ReadonlyMap<string, readonly FieldOutcome[]>;
  /** Names resolved from the cache, per user id: the bulk read must confirm each still names that user. */
  readonly cachedNames: ReadonlyMap<string, readonly UserKey[]>;
  /** Users the pass created for joiners: what a read does not show of them they do not have. */
  readonly created: ReadonlySet<string>;
  /**
   * Users the pass created or restored for joiners: their state was set as of the joiner's change,
   * so its mark is claimed for `state` too, and an older change (a snapshot taken before the joiner
   * came) cannot deactivate them.
   */
  readonly stateSet: ReadonlySet<string>;
  /** The object each element field names (a skill's id for `skill:Billing`), and a location's by name. */
  readonly elementIds: ReadonlyMap<ChangeField, string>;
  /** changeId and user (id, or the name when unresolved) per message id, for log correlation. */
  readonly ids: ReadonlyMap<string, { readonly changeId: string; readonly userId: string }>;
}

/**
 * Parses a held batch (pure): unwraps and validates every body, and holds back copies not yet due
 * (waits longer than SQS's 900 s delay).
 */
export function parseBatch(held: readonly HeldMessage[], nowMs: number): ParsedBatch {
  const early = new Map<string, Disposition>();
  const changes: { messageKey: string; parsed: ParsedChange; attempts: number }[] = [];
  for (const m of held) {
    if (m.notBefore !== undefined && m.notBefore > nowMs) {
      early.set(m.messageId, {
        kind: "requeue",
        attempts: m.attempts,
        why: { code: "sync.not.before", reason: "waiting for a Retry-After longer than SQS's 900 s delay" },
        ...delayFor(m.notBefore - nowMs, nowMs, 0),
        notBefore: m.notBefore,
      });
      continue;
    }
    const parsed = parseUserChange(m.body);
    if (!parsed.ok) {
      early.set(m.messageId, {
        kind: "dead-letter",
        attempts: m.attempts,
        invalid: true,
        why: { code: parsed.code, reason: parsed.reason },
      });
      continue;
    }
    changes.push({ messageKey: m.messageId, parsed: parsed.value, attempts: m.attempts });
  }
  return { early, changes };
}

/** The names (not ids) the batch's changes use, for users and managers, each once, with the newest change using it. */
export function namesToResolve(batch: ParsedBatch): NameToResolve[] {
  const keys = new Map<string, NameToResolve>();
  for (const { parsed } of batch.changes) {
    const manager = parsed.fields.get("managerId");
    for (const key of [parsed.subject, isManagerKey(manager) ? manager.manager : undefined]) {
      if (!key || key.by === "id") continue;
      const seen = keys.get(userKeyString(key));
      const changedAtMs = Math.max(seen?.changedAtMs ?? Number.NEGATIVE_INFINITY, parsed.changedAtMs);
      // As `joinersOf` picks its joiners: the subject, by email, of a change that says create.
      const creates =
        seen?.createIfMissing === true ||
        (key === parsed.subject && key.by === "email" && parsed.change.ifMissing === "create");
      keys.set(userKeyString(key), { name: key, changedAtMs, ...(creates ? { createIfMissing: true } : {}) });
    }
  }
  return [...keys.values()];
}

const isManagerKey = (
  value: WantedValue | undefined,
): value is Extract<WantedValue, { readonly manager: UserKey }> =>
  typeof value === "object" && value !== null && "manager" in value;

/** A value as sent (no name to look up): a scalar, or a role's division ids. */
const isFieldValue = (value: WantedValue): value is FieldValue =>
  typeof value !== "object" || value === null || Array.isArray(value);

const isDivisionName = (
  value: WantedValue | undefined,
): value is Extract<WantedValue, { readonly division: unknown }> =>
  typeof value === "object" && value !== null && "division" in value;

/** The division names (not ids) the batch's changes use, each once. */
export function divisionsToResolve(batch: ParsedBatch): string[] {
  const names = new Set<string>();
  for (const { parsed } of batch.changes) {
    const division = parsed.fields.get("division");
    if (isDivisionName(division) && "name" in division.division) names.add(division.division.name);
  }
  return [...names];
}

/**
 * Binds every change to Genesys ids and coalesces per user (pure). A change whose user does not
 * resolve is dead-lettered naming the name; a manager that does not resolve refuses that field only.
 * A name that finds nobody but is the new email another change of the batch gives a resolved user is
 * that user (a rename and a change by the new name, held together).
 */
export function bindBatch(
  batch: ParsedBatch,
  resolutions: Resolutions,
  divisions: DivisionResolutions = new Map(),
  catalog: CatalogResolutions = { names: new Map() },
): BatchPlan {
  const elementIds = new Map<ChangeField, string>();
  const early = new Map(batch.early);
  const refused = new Map<string, FieldOutcome[]>();
  const cachedNames = new Map<string, UserKey[]>();
  const ids = new Map<string, { changeId: string; userId: string }>();
  const lookup = (key: UserKey): Resolution =>
    key.by === "id"
      ? { kind: "found", id: key.value, cached: false }
      : (resolutions.get(userKeyString(key)) ?? { kind: "not-found" });

  // Emails this batch gives to users it names: a later change in the batch may already use them.
  const renamed = new Map<string, string>();
  for (const { parsed } of batch.changes) {
    const subject = lookup(parsed.subject);
    const email = parsed.fields.get("email");
    if (subject.kind === "found" && typeof email === "string") renamed.set(email.toLowerCase(), subject.id);
  }
  const resolve = (key: UserKey): Resolution => {
    const found = lookup(key);
    const renamedTo = key.by === "email" ? renamed.get(key.value) : undefined;
    return found.kind === "not-found" && renamedTo ? { kind: "found", id: renamedTo, cached: false } : found;
  };
  const remember = (id: string, key: UserKey, resolution: Resolution): void => {
    if (resolution.kind === "found" && resolution.cached)
      cachedNames.set(id, [...(cachedNames.get(id) ?? []), key]);
  };

  const refuse = (messageKey: string, outcome: FieldOutcome): void => {
    refused.set(messageKey, [...(refused.get(messageKey) ?? []), outcome]);
  };

  const bound: BoundChange[] = [];
  for (const { messageKey, parsed, attempts } of batch.changes) {
    const { change, subject } = parsed;
    const who = resolve(subject);
    ids.set(messageKey, {
      changeId: change.changeId,
      userId: who.kind === "found" ? who.id : describeUserKey(subject),
    });
    if (who.kind === "failed" || who.kind === "unproven") {
      refuse(messageKey, who.outcome);
      continue;
    }
    if (who.kind !== "found") {
      early.set(messageKey, { kind: "dead-letter", attempts, why: unresolved(subject, who, "user") });
      continue;
    }
    remember(who.id, subject, who);
    const fields = new Map<ChangeField, FieldValue>();
    for (const [field, value] of parsed.fields) {
      const element = bindElement(field, value, catalog, divisions);
      if (element !== undefined) {
        if (!element.ok) refuse(messageKey, element.outcome);
        else {
          fields.set(field, element.value);
          elementIds.set(field, element.id);
        }
        continue;
      }
      if (isDivisionName(value)) {
        const name = "name" in value.division ? value.division.name : value.division.id;
        const division = divisions.get(name) ?? { kind: "not-found" };
        if (division.kind === "found") fields.set(field, division.id);
        else if (division.kind === "failed") refuse(messageKey, division.outcome);
        else refuse(messageKey, { kind: "dead", why: divisionNotFound(name) });
        continue;
      }
      if (isFieldValue(value)) {
        fields.set(field, value);
        continue;
      }
      if (!isManagerKey(value)) continue; // every other kind of name is bound above
      const manager = resolve(value.manager);
      if (manager.kind === "found") {
        fields.set(field, manager.id);
        remember(manager.id, value.manager, manager);
      } else if (manager.kind === "failed" || manager.kind === "unproven") {
        refuse(messageKey, manager.outcome);
      } else {
        refuse(messageKey, { kind: "dead", why: unresolved(value.manager, manager, "manager") });
      }
    }
    bound.push({ messageKey, userId: who.id, mark: { at: parsed.changedAtMs, id: change.changeId }, fields });
  }
  const created = new Set(
    [...resolutions.values()].flatMap((r) => (r.kind === "found" && r.created === true ? [r.id] : [])),
  );
  const stateSet = new Set(
    [...resolutions.values()].flatMap((r) => (r.kind === "found" && r.stateSet === true ? [r.id] : [])),
  );
  return { early, users: coalesceByUser(bound), refused, cachedNames, created, stateSet, elementIds, ids };
}

function divisionNotFound(name: string): DeadLetterReason {
  return {
    code: "genesys.division.not.found",
    reason: `no Genesys Cloud division is named "${name}" (the change's other fields were applied): create the division or correct the name, then replay`,
  };
}

function unresolved(
  key: UserKey,
  resolution: Extract<Resolution, { kind: "not-found" | "ambiguous" }>,
  role: "user" | "manager",
): DeadLetterReason {
  if (resolution.kind === "ambiguous") {
    return {
      code: "sync.user.ambiguous",
      reason: `${describeUserKey(key)} names ${resolution.ids.length} Genesys Cloud users (${resolution.ids.join(", ")}); name the ${role} by id, or make the ${key.by} unique, then replay`,
    };
  }
  return {
    code: "genesys.user.not.found",
    reason: `no Genesys Cloud user has ${describeUserKey(key)}${role === "manager" ? " (the manager; the change's other fields were applied)" : ""}: create the user or correct the change, then replay${resolution.hint ? ` (${resolution.hint})` : ""}`,
  };
}

/** The fields a message sets that a newer held change for the same user also sets (stale within the batch). */
export function supersededFields(wants: UserWants, messageKey: string): ChangeField[] {
  return (wants.messages.get(messageKey) ?? []).filter((f) => wants.fields.get(f)?.messageKey !== messageKey);
}
