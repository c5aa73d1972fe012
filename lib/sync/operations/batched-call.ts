import { PermissionError } from "../../genesys/errors.ts";

/**
 * One call for many users (a division move, queue members, a role's grant), and what follows a
 * refusal: one that names users fails those users, and the others are sent again once, together; one
 * that names nobody is met by sending each user alone, so that only the one at fault fails. Any other
 * failure (a 403, a 429, the object gone) is every user's of that call.
 */
export async function callForAll(
  userIds: readonly string[],
  call: (userIds: readonly string[]) => Promise<void>,
  /** The users a refusal names (maybe none), or undefined when the error is not a refusal. */
  refused: (error: unknown) => readonly string[] | undefined,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  try {
    await call(userIds);
  } catch (error) {
    const named = refused(error);
    if (named === undefined || userIds.length === 1) {
      for (const id of userIds) failed.set(id, error);
      return failed;
    }
    const at = userIds.filter((id) => named.includes(id));
    for (const id of at) failed.set(id, error);
    const rest = userIds.filter((id) => !at.includes(id));
    const groups = at.length > 0 ? [rest] : rest.map((id) => [id]);
    for (const group of groups) {
      if (group.length === 0) continue;
      try {
        await call(group);
      } catch (again) {
        for (const id of group) failed.set(id, again);
      }
    }
  }
  return failed;
}

/** Splits ids into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A read that only spares writes (members already in a queue, grants already held): what it found,
 * or `unknown` when the client may not make it (a 403), so that the writes are sent as they would be
 * without the read, instead of failing for a permission the writes do not need.
 */
export async function readToSpare<T>(read: () => Promise<T>, unknown: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof PermissionError) return unknown;
    throw error;
  }
}
