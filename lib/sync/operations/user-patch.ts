/**
 * The call behind every kind of operation that edits a user's own record: `PATCH /api/v2/users/{id}`
 * with the version the user was read at (a 409 or a version 400 means someone changed it since).
 */
import type { GenesysUser } from "../../genesys/types.ts";
import type { PatchFields } from "../plan-update.ts";
import type { OperationContext } from "./operation.ts";

/**
 * Sends the PATCH and returns the user afterwards. The answer has no `employerInfo` (a PATCH has no
 * expand), and the next operation of the plan (after a swap's clearing) merges into it: keep what was
 * sent, else what was read, unless someone else changed the user in between (the version moved by
 * more than this PATCH).
 */
export async function patchUser(
  user: GenesysUser,
  body: PatchFields,
  { users, signal }: OperationContext,
): Promise<GenesysUser> {
  const updated = await users.patchUser(user.id, { ...body, version: user.version }, signal);
  const known = updated.employerInfo === undefined && updated.version <= user.version + 1;
  const employerInfo = body.employerInfo ? { ...body.employerInfo } : user.employerInfo;
  return known ? { ...updated, employerInfo } : updated;
}
