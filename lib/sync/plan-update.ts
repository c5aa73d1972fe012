import type { ChangeField } from "../contract/user-change.ts";
import type { GenesysUser, UpdateUserBody } from "../genesys/types.ts";
import type { FieldValue } from "./coalesce.ts";
import { mergeExtension, readWorkPhone } from "./work-phone.ts";

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
}

/** The user's WORK phone extension (in any of the four shapes the API renders), or null. */
export function currentExtension(user: GenesysUser): string | null {
  return readWorkPhone(user.addresses).extension;
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
 * Plans the update of one user from the wanted values (already claimed, so all newer than anything
 * applied before). Fields already in effect are no-ops and are left out of the PATCH.
 */
export function planUpdate(user: GenesysUser, wants: ReadonlyMap<ChangeField, FieldValue>): UpdatePlan {
  const noop: ChangeField[] = [];
  const fields: ChangeField[] = [];
  const body: PatchFields = {};
  let state: UpdatePlan["state"];
  for (const [field, value] of wants) {
    if (same(currentValue(user, field), value)) {
      noop.push(field);
      continue;
    }
    switch (field) {
      case "extension":
        // The number on the same WORK entry stays; every other entry goes back as it came.
        body.addresses = mergeExtension(user.addresses, value);
        break;
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
  };
}
