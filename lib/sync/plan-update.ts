import { type ElementField, isElementField } from "../contract/routing-elements.ts";
import type { ChangeField, FieldValue } from "../contract/user-change.ts";
import type { EmployerInfo, GenesysUser, UpdateUserBody } from "../genesys/types.ts";
import { elementInEffect } from "./element-effect.ts";
import {
  mergeMobilePhone,
  mergeWorkPhone,
  normalizePhone,
  readMobilePhone,
  readWorkPhone,
} from "./work-phone.ts";

/** The fields of one PATCH, without `version` (added when it is sent). */
export type PatchFields = Omit<UpdateUserBody, "version">;

/** What to send for one user. Pure data. */
export interface UpdatePlan {
  /** Profile fields (everything but state), in one PATCH; absent when nothing is to change. */
  readonly profile?: { readonly body: PatchFields; readonly fields: readonly ChangeField[] };
  /** State goes alone: the API documents that when `state` is given it is the only modifiable field. */
  readonly state?: { readonly value: "active" | "inactive" };
  /** The division to move the user into: not a PATCH field (`operations/division-move.ts`). */
  readonly division?: { readonly id: string };
  /** Fields whose wanted value is already in effect. */
  readonly noop: readonly ChangeField[];
  /**
   * Employer fields that cannot be planned: the read did not bring `employerInfo` back (an expansion
   * is best effort), so the fields the change does not name are unknown and a merged object would
   * wipe them. Neither sent nor a no-op.
   */
  readonly unknown: readonly ChangeField[];
}

/** The user's WORK phone extension (in any of the four shapes the API renders), or null. */
export function currentExtension(user: GenesysUser): string | null {
  return readWorkPhone(user.addresses).extension;
}

/** The user's manager id, or null. */
export function currentManagerId(user: GenesysUser): string | null {
  return user.manager?.id ?? null;
}

/** The `employerInfo` fields of the contract, each its own high-water mark, sent as one merged object. */
const EMPLOYER_FIELDS = ["employeeId", "employeeType", "dateHire", "officialName"] as const;
type EmployerField = (typeof EMPLOYER_FIELDS)[number];
export const isEmployerField = (field: ChangeField): field is EmployerField =>
  (EMPLOYER_FIELDS as readonly string[]).includes(field);

/**
 * Whether the read brought `employerInfo` back. The SDK docs of `getUsers`: "expand parameters are
 * resolved with a best effort approach and not guaranteed to be returned", so its absence says
 * nothing about the user's employer fields (nor does `null`); an object, even `{}`, does.
 */
export function employerInfoKnown(user: GenesysUser): boolean {
  return user.employerInfo !== undefined && user.employerInfo !== null;
}

function currentValue(user: GenesysUser, field: Exclude<ChangeField, ElementField>): FieldValue {
  switch (field) {
    case "extension":
      return currentExtension(user);
    case "managerId":
      return currentManagerId(user);
    case "state":
      return user.state ?? null;
    case "workPhone": {
      const number = readWorkPhone(user.addresses).number;
      return number === null ? null : normalizePhone(number);
    }
    case "mobilePhone": {
      const number = readMobilePhone(user.addresses);
      return number === null ? null : normalizePhone(number);
    }
    case "acdAutoAnswer":
      return user.acdAutoAnswer ?? false;
    case "division":
      return user.division?.id ?? null;
    case "location":
      return locationsOf(user)[0]?.id ?? null;
    default:
      return (isEmployerField(field) ? user.employerInfo?.[field] : user[field]) ?? null;
  }
}

/** Values compare as given; an empty string and an absent value are the same "nothing". */
const same = (a: FieldValue, b: FieldValue): boolean => (a ?? "") === (b ?? "");

/**
 * Plans the update of one user from the wanted values (already claimed, so all newer than anything
 * applied before). Fields already in effect are no-ops and are left out of the PATCH. Fields that share
 * a part of the user are merged into it: the WORK extension and number into one `addresses` entry
 * (every other entry sent back as it came), the employer fields into one `employerInfo` object that
 * keeps the fields not changed.
 */
export function planUpdate(
  user: GenesysUser,
  wants: ReadonlyMap<ChangeField, FieldValue>,
  ids: ReadonlyMap<ChangeField, string> = new Map(),
): UpdatePlan {
  const noop: ChangeField[] = [];
  const unknown: ChangeField[] = [];
  const fields: ChangeField[] = [];
  const employerKnown = employerInfoKnown(user);
  const body: PatchFields = {};
  const work: { extension?: string | null; number?: string | null } = {};
  let mobile: { number: string | null } | undefined;
  let state: UpdatePlan["state"];
  let division: UpdatePlan["division"];
  for (const [field, value] of wants) {
    // Skills, languages, queues and roles are planned by their own operations (operations/).
    if (isElementField(field)) {
      if (elementInEffect(user, field, value, ids.get(field))) noop.push(field);
      continue;
    }
    if (
      (isEmployerField(field) && !employerKnown) ||
      (field === "location" && user.locations === undefined)
    ) {
      unknown.push(field);
      continue;
    }
    // A deleted user is further gone than inactive: a leaver's deactivation is in effect already (a
    // PATCH of state would restore it, as the SDK documents, the account HR wanted gone).
    const deletedLeaver = field === "state" && value === "inactive" && user.state === "deleted";
    if (deletedLeaver || same(currentValue(user, field), value)) {
      noop.push(field);
      continue;
    }
    fields.push(field);
    switch (field) {
      case "extension":
        work.extension = value as string | null;
        break;
      case "workPhone":
        work.number = value as string | null;
        break;
      case "mobilePhone":
        mobile = { number: value as string | null };
        break;
      case "managerId":
        // An empty string removes the manager (UpdateUser.manager is a user id string).
        body.manager = (value as string | null) ?? "";
        break;
      case "acdAutoAnswer":
        body.acdAutoAnswer = value === true;
        break;
      case "state":
        fields.pop();
        state = { value: value as "active" | "inactive" };
        break;
      case "division":
        fields.pop();
        division = { id: value as string };
        break;
      case "location": {
        // The first location is the user's: replaced (or removed); any others are sent back as they
        // came, notes and all, once each.
        const [, ...others] = locationsOf(user);
        const first = value === null ? [] : [{ id: value as string }];
        body.locations = [...first, ...others.filter((l) => l.id !== value)];
        break;
      }
      default:
        if (isEmployerField(field)) {
          // Cleared: left out of the object, which the API takes whole.
          const { [field]: _cleared, ...kept } = { ...employerInfoOf(user), ...body.employerInfo };
          body.employerInfo = value === null || value === "" ? kept : { ...kept, [field]: value as string };
        } else body[field] = (value as string | null) ?? "";
    }
  }
  if (work.extension !== undefined || work.number !== undefined || mobile) {
    let addresses = user.addresses ? [...user.addresses] : [];
    if (work.extension !== undefined || work.number !== undefined)
      addresses = mergeWorkPhone(addresses, work);
    if (mobile) addresses = mergeMobilePhone(addresses, mobile.number);
    body.addresses = addresses;
  }
  // If the list we send back carries the PRIMARY email (some renderings include it), it must match the
  // email this same PATCH sets: the API refuses a PRIMARY entry that differs from the user's email.
  if (body.addresses && body.email !== undefined) {
    const email = body.email;
    body.addresses = body.addresses.map((c) =>
      c.mediaType === "EMAIL" && c.type === "PRIMARY" ? { ...c, address: email } : c,
    );
  }
  return {
    ...(fields.length > 0 ? { profile: { body, fields } } : {}),
    ...(state ? { state } : {}),
    ...(division ? { division } : {}),
    noop,
    unknown,
  };
}

/**
 * The user's locations as read (`expand=locations`: the id from `locationDefinition.id`, or `id`, as
 * Genesys's Terraform provider reads them; `notes` kept), in order.
 */
function locationsOf(user: GenesysUser): { id: string; notes?: string }[] {
  return (user.locations ?? []).flatMap((l) => {
    const id = l.locationDefinition?.id ?? l.id;
    return id === undefined ? [] : [{ id, ...(l.notes === undefined ? {} : { notes: l.notes }) }];
  });
}

/** The user's employer info as sent back: its four known fields, as read. */
function employerInfoOf(user: GenesysUser): EmployerInfo {
  const info = user.employerInfo ?? {};
  return Object.fromEntries(EMPLOYER_FIELDS.flatMap((f) => (info[f] === undefined ? [] : [[f, info[f]]])));
}
