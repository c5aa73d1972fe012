/**
 * The swap's clearing: a PATCH that frees a user's extension so that another user of the batch can
 * take it (`extension-order.ts` orders these across the batch). It settles no field: the user's own
 * profile PATCH sets the extension it wants afterwards.
 */
import type { GenesysUser } from "../../genesys/types.ts";
import type { PatchFields } from "../plan-update.ts";
import { mergeExtension } from "../work-phone.ts";
import type { Operation, OperationKind } from "./operation.ts";
import { patchUser } from "./user-patch.ts";

export const CLEAR_EXTENSION: OperationKind<PatchFields> = {
  kind: "clear-extension",
  run: (operation, user, context) => patchUser(user, operation.payload, context),
};

/** The clearing of this user's WORK extension (every other address kept as read). */
export function clearExtension(user: GenesysUser): Operation<PatchFields> {
  return {
    kind: CLEAR_EXTENSION.kind,
    family: "users.write",
    fields: [],
    batchable: false,
    payload: { addresses: mergeExtension(user.addresses, null) },
  };
}
