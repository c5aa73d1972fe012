import type { ChangeField } from "../contract/user-change.ts";
import type { GenesysContact, GenesysUser, UpdateUserBody } from "../genesys/types.ts";
import type { FieldValue } from "./coalesce.ts";

/** The fields of one PATCH, without `version` (added when it is sent). */
export type PatchFields = Omit<UpdateUserBody, "version">;

/** What to send for one user. Pure data. */
export interface UpdatePlan {
  /** Profile fields (everything but state), in one PATCH; absent when nothing is to change. */
  readonly profile?: { readonly body: PatchFields; readonly fields: readonly ChangeField[] };
  /** State goes alone: the API documents that when `state` is given it is the only modifiable field. */
  readonly state?: { readonly value: "active" | "inactive" };
  /** Fields whose wanted value is already in effect. */
  readonly noop: readonly ChangeField[];
  /** Fields that cannot be applied as asked, with a reason for the dead letter. */
  readonly conflicts: readonly {
    readonly field: ChangeField;
    readonly code: string;
    readonly reason: string;
  }[];
}

const isWorkPhone = (c: GenesysContact): boolean => c.mediaType === "PHONE" && c.type === "WORK";

/** The user's WORK phone extension, or null. */
export function currentExtension(user: GenesysUser): string | null {
  return user.addresses?.find(isWorkPhone)?.extension ?? null;
}

/** The user's manager id, or null. */
export function currentManagerId(user: GenesysUser): string | null {
  return user.manager?.id ?? null;
}

function currentValue(user: GenesysUser, field: ChangeField): FieldValue {
  switch (field) {
    case "extension":
      return currentExtension(user);
    case "managerId":
      return currentManagerId(user);
    case "state":
      return user.state ?? null;
    default:
      return user[field] ?? null;
  }
}

/** Strings compare as given; an empty string and an absent value are the same "nothing". */
const same = (a: FieldValue, b: FieldValue): boolean => (a ?? "") === (b ?? "");

/**
 * Merges a new WORK phone extension into the whole `addresses` list (the API replaces the list as a
 * whole, so every other entry is sent back as it is). `null` removes the extension: an entry that
 * only carried the extension is dropped, one with a number keeps the number.
 */
export function mergeExtension(
  addresses: readonly GenesysContact[] | undefined,
  extension: string | null,
): GenesysContact[] {
  const list = [...(addresses ?? [])];
  const index = list.findIndex(isWorkPhone);
  if (index === -1) {
    return extension === null ? list : [...list, { mediaType: "PHONE", type: "WORK", extension }];
  }
  const { display: _display, extension: _old, ...rest } = list[index] as GenesysContact;
  if (extension !== null) list[index] = { ...rest, extension };
  else if (rest.address) list[index] = rest;
  else list.splice(index, 1);
  return list;
}

/**
 * Plans the update of one user from the wanted values (already claimed, so all newer than anything
 * applied before). Fields already in effect are no-ops and are left out of the PATCH.
 */
export function planUpdate(user: GenesysUser, wants: ReadonlyMap<ChangeField, FieldValue>): UpdatePlan {
  const noop: ChangeField[] = [];
  const conflicts: { field: ChangeField; code: string; reason: string }[] = [];
  const fields: ChangeField[] = [];
  const body: PatchFields = {};
  let state: UpdatePlan["state"];
  for (const [field, value] of wants) {
    if (same(currentValue(user, field), value)) {
      noop.push(field);
      continue;
    }
    switch (field) {
      case "extension": {
        // A Contact carries an address or an extension, never both, and there is one WORK phone: an
        // extension would have to replace the number. Refuse rather than drop the number silently.
        const work = user.addresses?.find(isWorkPhone);
        if (value !== null && work?.address && !work.extension) {
          conflicts.push({
            field,
            code: "sync.work.phone.has.number",
            reason: `the user's WORK phone is the number ${work.address}; an extension would replace it. Clear or move the number in Genesys Cloud, then replay`,
          });
          continue;
        }
        body.addresses = mergeExtension(user.addresses, value);
        break;
      }
      case "managerId":
        // An empty string removes the manager (UpdateUser.manager is a user id string).
        body.manager = value ?? "";
        break;
      case "state":
        state = { value: value as "active" | "inactive" };
        continue;
      default:
        body[field] = value ?? "";
    }
    fields.push(field);
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
    noop,
    conflicts,
  };
}
