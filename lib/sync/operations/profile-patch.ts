/** The profile fields of a change (everything but state), in one PATCH of the user. */
import type { UserKey } from "../../contract/user-change.ts";
import type { PatchFields } from "../plan-update.ts";
import type { OperationKind } from "./operation.ts";
import { patchUser } from "./user-patch.ts";

export const PROFILE_PATCH: OperationKind<PatchFields> = {
  kind: "profile",
  plan({ update }) {
    if (!update.profile) return [];
    const { body, fields } = update.profile;
    // An email the PATCH sets is bound in the name cache at once: the search trails writes, and a
    // later change may already name the user by it.
    const gives: UserKey[] =
      body.email === undefined ? [] : [{ by: "email", value: body.email.toLowerCase() }];
    return [
      {
        rank: 20,
        operation: { kind: "profile", family: "users.write", fields, batchable: false, payload: body, gives },
      },
    ];
  },
  run: (operation, user, context) => patchUser(user, operation.payload, context),
};
