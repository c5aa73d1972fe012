import { z } from "zod";

/**
 * The message contract: one change to one Genesys Cloud user, as a producer puts it on the queue.
 * `schema/user-change.schema.json` is generated from this schema (`npm run schema`).
 */

const uuid = z.guid({ message: "must be a UUID" });

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
    email: z.email({ message: "must be an email address" }).optional(),
    /** The manager's user id, or null to remove the manager. */
    managerId: uuid.nullable().optional(),
    state: z.enum(["active", "inactive"]).optional(),
  })
  .refine((set) => Object.values(set).some((value) => value !== undefined), {
    message: "must set at least one field",
  });

export const userChangeSchema = z.strictObject({
  /** Unique per change; also the tie-breaker between two changes with the same `changedAt`. */
  changeId: z.string().min(1).max(128),
  userId: uuid,
  /** When the change happened at the source: ISO-8601 with a zone (Z or ±hh:mm). */
  changedAt: z.iso.datetime({ offset: true, message: "must be an ISO-8601 timestamp with a zone" }),
  set: changeSetSchema,
});

export type UserChange = z.infer<typeof userChangeSchema>;
export type ChangeSet = UserChange["set"];
/** A field a change can set. */
export type ChangeField = keyof ChangeSet;

/** A parsed change with its ordering key. */
export interface ParsedChange {
  readonly change: UserChange;
  /** `changedAt` as epoch ms: the first part of the ordering key (`changeId` is the second). */
  readonly changedAtMs: number;
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
  return {
    ok: true,
    envelope: unwrapped.envelope,
    value: { change: parsed.data, changedAtMs: Date.parse(parsed.data.changedAt) },
  };
}

type Unwrapped =
  | { ok: true; value: unknown; envelope: Envelope }
  | { ok: false; code: "message.not.json"; reason: string };

function unwrap(json: unknown): Unwrapped {
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
