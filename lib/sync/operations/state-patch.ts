/**
 * A change of `state`, in a PATCH of its own: the API documents that when `state` is given it is the
 * only modifiable field (SDK `UpdateUser.state`), and for a deleted user it is the restore, so it goes
 * before anything else (nothing else can touch a deleted user); otherwise after the profile.
 */
import type { OperationKind } from "./operation.ts";
import { patchUser } from "./user-patch.ts";

export const STATE_PATCH: OperationKind<{ readonly state: "active" | "inactive" }> = {
  kind: "state",
  plan({ user, update }) {
    if (!update.state) return [];
    return [
      {
        rank: user.state === "deleted" ? 0 : 30,
        operation: {
          kind: "state",
          family: "users.write",
          fields: ["state"],
          batchable: false,
          payload: { state: update.state.value },
        },
      },
    ];
  },
  run: (operation, user, context) => patchUser(user, operation.payload, context),
};
