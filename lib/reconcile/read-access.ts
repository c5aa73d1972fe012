import type { DivisionsApi } from "../genesys/divisions-api.ts";
import { RoutingObjectNotFoundError } from "../genesys/errors.ts";
import type { QueueMembersApi } from "../genesys/queue-members-api.ts";
import type { RolesApi } from "../genesys/roles-api.ts";
import type { RoutingApi } from "../genesys/routing-api.ts";
import { type AccessHoldings, type AccessNeeds, NO_HOLDINGS } from "./access-holdings.ts";
import { patiently } from "./patiently.ts";

/** The calls a reconcile reads queues and grants with. */
export interface AccessPorts {
  readonly routing: Pick<RoutingApi, "findQueueByName">;
  readonly queueMembers: Pick<QueueMembersApi, "listQueueMembers">;
  readonly roles: Pick<RolesApi, "listRoleSubjectGrants">;
  readonly divisions: Pick<DivisionsApi, "findDivisionByName" | "getHomeDivision">;
}

/**
 * Reads what the rows' queues and grants need, each once for the whole file, through the shared
 * budget as the listing's calls go (`patiently`): per queue named, its lookup by name and its members
 * (every page); per role some row's user holds, its subject grants (every page); the home division
 * once when a grant is `true`, a division by name once per name a grant gives. Nothing needed: no
 * call. A queue or division not found, or a role gone since the listing, is left out (it differs).
 */
export async function readAccess(
  ports: AccessPorts,
  needs: AccessNeeds,
  options: {
    readonly signal: AbortSignal;
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  },
): Promise<AccessHoldings> {
  if (needs.empty) return NO_HOLDINGS;
  const { signal, sleep } = options;
  const call = <T>(read: () => Promise<T>): Promise<T> => patiently(read, sleep, signal);
  const queueMembers = new Map<
    string,
    { readonly userIds: ReadonlySet<string>; readonly complete: boolean }
  >();
  for (const [key, name] of needs.queueNames) {
    const queue = await call(() => ports.routing.findQueueByName(name, signal));
    if (queue === undefined) continue;
    const members = await notFoundAsUndefined(
      call(() => ports.queueMembers.listQueueMembers(queue.id, signal)),
    );
    if (members !== undefined)
      queueMembers.set(key, {
        userIds: new Set(members.members.map((m) => m.id)),
        complete: members.complete,
      });
  }
  const roleGrants = new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
  for (const roleId of needs.roleIds) {
    const grants = await notFoundAsUndefined(call(() => ports.roles.listRoleSubjectGrants(roleId, signal)));
    if (grants !== undefined) roleGrants.set(roleId, grants);
  }
  const homeDivisionId = needs.homeDivision
    ? (await call(() => ports.divisions.getHomeDivision(signal))).id
    : undefined;
  const divisionIds = new Map<string, string>();
  for (const [key, name] of needs.divisionNames) {
    const division = await call(() => ports.divisions.findDivisionByName(name, signal));
    if (division !== undefined) divisionIds.set(key, division.id);
  }
  return { queueMembers, roleGrants, homeDivisionId, divisionIds };
}

/** A queue or role gone between the lookup and its read: undefined (it differs). */
async function notFoundAsUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof RoutingObjectNotFoundError) return undefined;
    throw error;
  }
}
