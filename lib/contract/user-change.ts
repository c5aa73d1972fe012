import { z } from "zod";
import {
  type ElementField,
  elementFieldsOf,
  routingSetShape,
  type WantedElement,
} from "./routing-elements.ts";

/**
 * The message contract: one change to one Genesys Cloud user, as a producer puts it on the queue.
 * `schema/user-change.schema.json` is generated from this schema (`npm run schema`).
 */

const uuid = z.guid({ message: "must be a UUID" });

/** An E.164 number; spaces, dashes, dots and parentheses are allowed and dropped (`+353 1 234-5678`). */
const phoneNumber = z
  .string()
  .transform((text) => text.replace(/[\s().-]/g, ""))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, { message: "must be an E.164 number such as +35312345678" }));

/** A calendar date `YYYY-MM-DD` that exists. */
const isoDate = z.iso.date({ message: "must be a date YYYY-MM-DD" });

/**
 * How a change names a person: by exactly one of the Genesys user id, the work email (matched without
 * regard to case) or the employee id (`employerInfo.employeeId`).
 */
export const userRefSchema = z
  .strictObject({
    id: uuid.optional(),
    email: z.email({ message: "must be an email address" }).optional(),
    employeeId: z.string().min(1).max(128).optional(),
  })
  .refine((ref) => Object.values(ref).filter((v) => v !== undefined).length === 1, {
    message: "must name the user by exactly one of id, email, employeeId",
  });

/** A division named by its id or its name (matched exactly, else without regard to case). */
export const divisionRefSchema = z.union([
  z.strictObject({ id: uuid }),
  z.strictObject({ name: z.string().min(1).max(255) }),
]);
export type DivisionRef = z.infer<typeof divisionRefSchema>;

/** The fields a change may set. Unknown keys are rejected so that a typo never silently does nothing. */
export const changeSetSchema = z
  .strictObject({
    /** The WORK phone extension: 1 to 16 digits, or null to remove it. */
    extension: z
      .string()
      .regex(/^\d{1,16}$/, { message: "must be 1 to 16 digits" })
      .nullable()
      .optional(),
    title: z.string().max(255).optional(),
    department: z.string().max(255).optional(),
    name: z.string().min(1).max(255).optional(),
    /** The user's new email. */
    email: z.email({ message: "must be an email address" }).optional(),
    /** The manager's user id, or null to remove the manager. */
    managerId: uuid.nullable().optional(),
    /** The manager named by id, email or employee id, or null to remove the manager. */
    manager: userRefSchema.nullable().optional(),
    state: z.enum(["active", "inactive"]).optional(),
    /** `null` (or "") clears it. */
    preferredName: z.string().max(255).nullable().optional(),
    /** `employerInfo.employeeId`; for this and the three below, `null` clears it. */
    employeeId: z.string().max(128).nullable().optional(),
    /** `employerInfo.employeeType`, e.g. `Full-time`. */
    employeeType: z.string().max(255).nullable().optional(),
    /** `employerInfo.dateHire`. */
    dateHire: isoDate.nullable().optional(),
    /** `employerInfo.officialName`. */
    officialName: z.string().max(255).nullable().optional(),
    /** The number of the WORK phone (kept beside its extension), or null to remove the number. */
    workPhone: phoneNumber.nullable().optional(),
    /** The MOBILE phone's number, or null to remove it. */
    mobilePhone: phoneNumber.nullable().optional(),
    acdAutoAnswer: z.boolean().optional(),
    /** The user's division, by id or by name (a name is looked up; see README "Joiners and divisions"). */
    division: divisionRefSchema.optional(),
    ...routingSetShape,
  })
  .refine((set) => Object.values(set).some((value) => value !== undefined), {
    message: "must set at least one field",
  })
  .refine((set) => set.manager === undefined || set.managerId === undefined, {
    message: "give the manager as managerId or as manager, not both",
    path: ["manager"],
  });

export const userChangeSchema = z
  .strictObject({
    /** Unique per change; also the tie-breaker between two changes with the same `changedAt`. */
    changeId: z.string().min(1).max(128),
    /** The Genesys Cloud user id (or name the user with `user`). */
    userId: uuid.optional(),
    /** The user named by id, email or employee id (or give `userId`). */
    user: userRefSchema.optional(),
    /** When the change happened at the source: ISO-8601 with a zone (Z or ±hh:mm). */
    changedAt: z.iso.datetime({ offset: true, message: "must be an ISO-8601 timestamp with a zone" }),
    /**
     * What to do when no user (active or inactive) has the change's email: `deadLetter` (the default)
     * dead-letters it `genesys.user.not.found`; `create` restores a deleted user with that email, or
     * creates one. Only with `user: { email }`, and then `set.name` is required.
     */
    ifMissing: z.enum(["create", "deadLetter"]).optional(),
    set: changeSetSchema,
  })
  .refine((change) => (change.userId === undefined) !== (change.user === undefined), {
    message: "name the user by exactly one of userId or user",
    path: ["user"],
  })
  .refine((change) => change.ifMissing !== "create" || change.user?.email !== undefined, {
    message: '"create" needs the user named by email (user: { "email" })',
    path: ["ifMissing"],
  })
  .refine((change) => change.ifMissing !== "create" || change.set.name !== undefined, {
    message: 'is needed when ifMissing is "create" (a user is created with a name)',
    path: ["set", "name"],
  });

export type UserChange = z.infer<typeof userChangeSchema>;
export type ChangeSet = UserChange["set"];
type UserRef = z.infer<typeof userRefSchema>;

/**
 * The fields a change sets, each with its own high-water mark. `managerId` is the manager however the
 * change names it (`managerId` or `manager`).
 */
export type ChangeField =
  | Exclude<keyof ChangeSet, "manager" | "skills" | "languages" | "queues" | "roles">
  | ElementField;

/**
 * A value a change sets for one field, once its names are bound to ids; null removes it. A number is
 * a proficiency (skills, languages); a list, the division ids of a role's grant.
 */
export type FieldValue = string | number | boolean | null | readonly string[];

/** A person as a change names them; an email key is lower case (emails match without regard to case). */
export interface UserKey {
  readonly by: "id" | "email" | "employeeId";
  readonly value: string;
}

/** The key of a `UserKey` in maps and caches, e.g. `email:alice@example.com`. */
export const userKeyString = (key: UserKey): string => `${key.by}:${key.value}`;

/** How a key reads in a sentence, e.g. `email alice@example.com`. */
export const describeUserKey = (key: UserKey): string =>
  key.by === "id" ? `user ${key.value}` : `${key.by === "email" ? "email" : "employee id"} ${key.value}`;

function toKey(ref: UserRef): UserKey {
  if (ref.id !== undefined) return { by: "id", value: ref.id };
  if (ref.email !== undefined) return { by: "email", value: ref.email.trim().toLowerCase() };
  return { by: "employeeId", value: (ref.employeeId as string).trim() };
}

/**
 * What a change wants of one field: a value, or something named still to be looked up (a manager, a
 * division or a location by name, an element of routing or access).
 */
export type WantedValue =
  | FieldValue
  | { readonly manager: UserKey }
  | { readonly division: DivisionRef }
  | { readonly location: { readonly name: string } | { readonly id: string } }
  | WantedElement;

/** A parsed change with its ordering key, its subject and its fields. */
export interface ParsedChange {
  readonly change: UserChange;
  /** `changedAt` as epoch ms: the first part of the ordering key (`changeId` is the second). */
  readonly changedAtMs: number;
  /** Whom the change is about. */
  readonly subject: UserKey;
  /** The fields it sets, `manager` folded into `managerId`. */
  readonly fields: ReadonlyMap<ChangeField, WantedValue>;
}

function fieldsOf(set: ChangeSet): Map<ChangeField, WantedValue> {
  const fields = new Map<ChangeField, WantedValue>(elementFieldsOf(set));
  for (const [key, value] of Object.entries(set)) {
    if (value === undefined || key === "skills" || key === "languages" || key === "queues" || key === "roles")
      continue;
    if (key === "location") {
      const ref = value as { id: string } | { name: string } | null;
      // Looked up by id too: an id Genesys does not know must fail the location alone, not the PATCH.
      fields.set("location", ref === null ? null : { location: ref });
    } else if (key === "division") {
      const ref = value as DivisionRef;
      fields.set("division", "id" in ref ? ref.id : { division: ref });
    } else if (key === "manager") {
      const ref = value as UserRef | null;
      const key = ref === null ? null : toKey(ref);
      fields.set("managerId", key === null ? null : key.by === "id" ? key.value : { manager: key });
    } else fields.set(key as ChangeField, value as FieldValue);
  }
  return fields;
}

export type ParseResult =
  | { readonly ok: true; readonly value: ParsedChange; readonly envelope: Envelope }
  | {
      readonly ok: false;
      readonly code: "message.not.json" | "message.schema.invalid";
      readonly reason: string;
    };

/** How the change reached the queue. */
export type Envelope = "raw" | "eventbridge" | "sns";

/**
 * Parses an SQS message body: the change itself, an EventBridge event carrying it in `detail`, or an
 * SNS notification carrying it (as a JSON string) in `Message`. Never throws.
 */
export function parseUserChange(body: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, code: "message.not.json", reason: `body is not JSON: ${(error as Error).message}` };
  }
  const unwrapped = unwrap(json);
  if (!unwrapped.ok) return unwrapped;
  const parsed = userChangeSchema.safeParse(unwrapped.value);
  if (!parsed.success) {
    return { ok: false, code: "message.schema.invalid", reason: describeIssues(parsed.error) };
  }
  const change = parsed.data;
  return {
    ok: true,
    envelope: unwrapped.envelope,
    value: {
      change,
      changedAtMs: Date.parse(change.changedAt),
      subject:
        change.userId !== undefined ? { by: "id", value: change.userId } : toKey(change.user as UserRef),
      fields: fieldsOf(change.set),
    },
  };
}

/** The change a message body carries, and the envelope it came in; an SNS `Message` that is not JSON fails. */
type Unwrapped =
  | { ok: true; value: unknown; envelope: Envelope }
  | { ok: false; code: "message.not.json"; reason: string };

/**
 * Takes the change out of an EventBridge event (`detail`) or an SNS notification (`Message`, JSON in a
 * string); anything else is the change itself. Hand-written: Powertools parser's envelopes do not fit.
 *
 * - `EventBridgeEnvelope` requires the whole event (`version`, `id`, `source`, `account`, `time`,
 *   `region`, `resources`). A producer that wraps a change itself may send `detail-type` and `detail`
 *   with only some of them, and such bodies are changes today (the dead-letter tests send them).
 * - `SnsEnvelope` and `SnsSqsEnvelope` read Lambda's SNS and SQS events (`Records[]`), not the one SQS
 *   body the sync receives; the notification schema they hold (`SnsSqsNotificationSchema`) requires
 *   `MessageId`, `TopicArn` and `Timestamp`; and a `Message` that is not JSON would come back as a schema
 *   issue, where it must stay `message.not.json`.
 */
export function unwrap(json: unknown): Unwrapped {
  if (!isRecord(json)) return { ok: true, value: json, envelope: "raw" };
  // EventBridge: { version, id, "detail-type", source, detail: {...} }
  if ("detail" in json && "detail-type" in json) {
    return { ok: true, value: json.detail, envelope: "eventbridge" };
  }
  // SNS notification delivered without raw message delivery: { Type: "Notification", Message: "<json>" }
  if (json.Type === "Notification" && typeof json.Message === "string") {
    try {
      return { ok: true, value: JSON.parse(json.Message), envelope: "sns" };
    } catch (error) {
      return {
        ok: false,
        code: "message.not.json",
        reason: `SNS Message is not JSON: ${(error as Error).message}`,
      };
    }
  }
  return { ok: true, value: json, envelope: "raw" };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One line naming every offending path, e.g. `set.extension: must be 1 to 16 digits`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join(".") || "(message)";
      if (issue.code === "unrecognized_keys") return `${path}: unknown key(s) ${issue.keys.join(", ")}`;
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
