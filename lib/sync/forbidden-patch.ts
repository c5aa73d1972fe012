import type { PermissionError } from "../genesys/errors.ts";
import { USER_EDIT_PERMISSION } from "../genesys/response-outcome.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { DeadLetterReason } from "./held-message.ts";

/**
 * Assigning an extension needs `telephony:extension:assign` in the user's division, besides
 * `directory:user:edit` (SDK docs of `patchUser`: "Without it, the request will return 403
 * Forbidden"). The 403's body is not documented, so the answer's wording is only a hint.
 */
export const EXTENSION_ASSIGN_PERMISSION = "telephony:extension:assign";

/**
 * What a 403 on a user PATCH means (pure):
 * - `extension`: only the extension was refused. The extension part is dead-lettered with
 *   `reasonForExtension`; the rest of the change goes again without it (and a 403 on that PATCH, which
 *   carries no extension, is `edit`).
 * - `edit`: the client may not edit users at all: the run stops, naming `directory:user:edit`.
 *
 * A PATCH that carries no extension change is `edit`. One that does is `extension` unless the answer
 * names `directory:user:edit` and not the extension permission. An extension-only PATCH whose answer
 * names nothing is taken as `extension` too: a wrong guess costs a dead letter that is replayed after
 * the grant, while `edit` would stop every run on one extension change.
 */
export function explainForbiddenPatch(
  error: PermissionError,
  carriesExtension: boolean,
): "extension" | "edit" {
  if (!carriesExtension) return "edit";
  const named = error.namedPermissions;
  if (named.includes(EXTENSION_ASSIGN_PERMISSION)) return "extension";
  return named.includes(USER_EDIT_PERMISSION) ? "edit" : "extension";
}

/** The dead letter of an extension refused for want of `telephony:extension:assign`. */
export function reasonForExtension(user: GenesysUser, error: PermissionError): DeadLetterReason {
  const division = user.division
    ? `division "${user.division.name ?? user.division.id}" (${user.division.id})`
    : "the user's division";
  return {
    code: error.reasonCode,
    reason: `the OAuth client may not assign extensions to user ${user.id}: give its role ${EXTENSION_ASSIGN_PERMISSION} in ${division}, then replay; the change's other fields were applied`,
    lastStatus: error.status,
  };
}

/**
 * The dead letter of an operation refused for want of the permission it names (`Operation.needs`):
 * a skill, a language, a queue, a role, a division move. It is that operation's alone: the change's
 * other fields and elements go on.
 */
export function reasonForOperation(kind: string, needs: string, error: PermissionError): DeadLetterReason {
  return {
    code: error.reasonCode,
    reason: `the OAuth client may not do this ${kind} operation: give its role ${needs}, then replay; the change's other fields were applied (${error.message})`,
    lastStatus: error.status,
  };
}
