/**
 * Roles: a grant is a role in a division. `POST /api/v2/authorization/roles/{roleId}` grants one role
 * in the divisions given to up to 100 users at once (S32), so every user of a batch given one role in
 * the same divisions goes in one call, after the users' own operations; `true` is the home division,
 * as Genesys's Terraform provider grants a role that names none (S37). The bulk read's
 * `expand=authorization` lists the roles a user holds but not in which divisions (S34): a user who
 * does not hold the role is granted it without a read; one who holds it has its grants read (one
 * call; a client that may not read them sends the grant), and only the divisions it lacks are granted
 * (none: nothing sent). A removal takes the role
 * away in every division the user holds it in: the user's grants are read, then removed in one
 * `bulkremove` (none held: nothing sent). Granting adds: a grant the user holds of another role, or of
 * this role in another division, is never touched (unlike the provider's authoritative
 * `genesyscloud_user_roles`).
 */
import { elementOf } from "../../contract/routing-elements.ts";
import { AssignmentRefusedError } from "../../genesys/errors.ts";
import { MAX_SUBJECTS_PER_ROLE_GRANT } from "../../genesys/roles-api.ts";
import type { RoutingPorts } from "../pass-deps.ts";
import { callForAll, chunks, readToSpare } from "./batched-call.ts";
import { type BatchItem, IN_EFFECT, type OperationContext, type OperationKind } from "./operation.ts";

type RolePayload =
  | {
      readonly roleId: string;
      readonly divisionIds: readonly string[];
      /**
       * The read showed the user holds the role (in divisions it does not tell): read the grants
       * first; false too for a change that came back held by its family's budget.
       */
      readonly held: boolean;
    }
  | { readonly roleId: string; readonly remove: true };

export const ROLE_GRANTS: OperationKind<RolePayload> = {
  kind: "role",
  plan({ user, wants, ids, heldBack }) {
    return [...wants].flatMap(([field, value]) => {
      const roleId = ids.get(field);
      if (elementOf(field)?.element !== "role" || roleId === undefined) return [];
      const payload: RolePayload | undefined = Array.isArray(value)
        ? {
            roleId,
            divisionIds: value as readonly string[],
            // Not read again for a change its family's budget held back (`PlanInput.heldBack`).
            held:
              heldBack?.has(field) !== true &&
              user.authorization?.roles?.some((r) => r.id === roleId) === true,
          }
        : value === false
          ? { roleId, remove: true }
          : undefined;
      if (payload === undefined) return [];
      const removing = "remove" in payload;
      return [
        {
          rank: 71,
          operation: {
            kind: "role",
            family: "authorization",
            fields: [field],
            // A removal reads the user's grants first: one user at a time.
            batchable: !removing,
            payload,
            needs: removing
              ? "authorization:grant:delete (and authorization:grant:view to read the grants)"
              : "authorization:grant:add",
          },
        },
      ];
    });
  },
  run: async (operation, user, context) => {
    const payload = operation.payload;
    if ("remove" in payload) {
      const routing = needRouting(context);
      const grants = (await routing.getUserGrants(user.id, context.signal)).filter(
        (g) => g.roleId === payload.roleId,
      );
      if (grants.length > 0) await routing.removeUserGrants(user.id, grants, context.signal);
      return user;
    }
    const error = (await grantAll([{ key: user.id, userId: user.id, operation }], context)).get(user.id);
    if (error !== undefined && error !== IN_EFFECT) throw error;
    return user;
  },
  runBatch: (items, context) => grantAll(items, context),
};

/**
 * The user's grants as `roleId:divisionId`; none known when the client may not read them (a 403: a
 * client given `authorization:grant:add` alone, as the permissions table asks): the read only spares
 * a write, and a grant held already stays as it is.
 */
async function grantsHeld(
  routing: RoutingPorts,
  userId: string,
  signal: AbortSignal,
): Promise<ReadonlySet<string>> {
  const grants = await readToSpare(() => routing.getUserGrants(userId, signal), []);
  return new Set(grants.map((g) => `${g.roleId}:${g.divisionId}`));
}

function needRouting(context: OperationContext) {
  if (!context.routing) throw new Error("role grants without the authorization API wired");
  return context.routing;
}

async function grantAll(
  items: readonly BatchItem<RolePayload>[],
  context: OperationContext,
): Promise<Map<string, unknown>> {
  const routing = needRouting(context);
  const groups = new Map<
    string,
    { roleId: string; divisionIds: readonly string[]; items: BatchItem<RolePayload>[] }
  >();
  const out = new Map<string, unknown>();
  const grantsOf = new Map<string, Promise<ReadonlySet<string>>>();
  for (const item of items) {
    const payload = item.operation.payload;
    if ("remove" in payload) continue;
    let divisionIds = payload.divisionIds;
    if (payload.held) {
      const read = grantsOf.get(item.userId) ?? grantsHeld(routing, item.userId, context.signal);
      grantsOf.set(item.userId, read);
      try {
        const held = await read;
        divisionIds = divisionIds.filter((d) => !held.has(`${payload.roleId}:${d}`));
      } catch (error) {
        out.set(item.key, error);
        continue;
      }
      if (divisionIds.length === 0) {
        out.set(item.key, IN_EFFECT);
        continue;
      }
    }
    const key = `${payload.roleId}:${divisionIds.join(",")}`;
    const group = groups.get(key) ?? { roleId: payload.roleId, divisionIds, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  for (const { roleId, divisionIds, items: group } of groups.values()) {
    for (const chunk of chunks(group, MAX_SUBJECTS_PER_ROLE_GRANT)) {
      const failed = await callForAll(
        [...new Set(chunk.map((i) => i.userId))],
        (userIds) => routing.grantRole(roleId, userIds, divisionIds, context.signal),
        (error) => (error instanceof AssignmentRefusedError ? error.userIds : undefined),
      );
      for (const item of chunk) out.set(item.key, failed.get(item.userId));
    }
  }
  return out;
}
