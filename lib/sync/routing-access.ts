import { NameIds } from "../directory/name-ids.ts";
import type { DivisionsApi } from "../genesys/divisions-api.ts";
import { RoutingObjectNotFoundError } from "../genesys/errors.ts";
import type { GenesysHttp } from "../genesys/http-client.ts";
import { LocationsApi } from "../genesys/locations-api.ts";
import { QueueMembersApi } from "../genesys/queue-members-api.ts";
import { RolesApi } from "../genesys/roles-api.ts";
import { RoutingApi } from "../genesys/routing-api.ts";
import { UserRoutingApi } from "../genesys/user-routing-api.ts";
import type { CatalogPort, RoutingPorts } from "./pass-deps.ts";

/** The location with this id, or undefined when Genesys has none (a 404). */
async function existingLocation(
  locations: LocationsApi,
  id: string,
  signal: AbortSignal,
): Promise<{ readonly id: string } | undefined> {
  try {
    return await locations.getLocation(id, signal);
  } catch (error) {
    if (error instanceof RoutingObjectNotFoundError) return undefined;
    throw error;
  }
}

/** How long the home division's id is trusted, ms. @default 600_000 (10 minutes, as names) */
const HOME_TTL_MS = 600_000;

/**
 * Routing and access as a pass reaches them, built once per container: the names of skills,
 * languages, queues, roles and locations to ids (each cached, `NameIds`), the home division (cached),
 * and the calls the operations make. Every call goes through `http`, paced by its family's budget.
 */
export function routingAccess(
  http: GenesysHttp,
  divisions: DivisionsApi,
  now: () => number,
): { readonly catalog: CatalogPort; readonly routing: RoutingPorts } {
  const routing = new RoutingApi(http);
  const users = new UserRoutingApi(http);
  const queues = new QueueMembersApi(http);
  const roles = new RolesApi(http);
  const locations = new LocationsApi(http);
  let home: { readonly id: string; readonly until: number } | undefined;
  // Each queue's member count as its last lookup by name gave it (`Queue.memberCount`, S34).
  const memberCounts = new Map<string, number | undefined>();
  return {
    catalog: {
      names: {
        skill: new NameIds({ find: (name, signal) => routing.findSkillByName(name, signal), now }),
        language: new NameIds({ find: (name, signal) => routing.findLanguageByName(name, signal), now }),
        queue: new NameIds({
          async find(name, signal) {
            const queue = await routing.findQueueByName(name, signal);
            if (queue !== undefined) memberCounts.set(queue.id, queue.memberCount);
            return queue;
          },
          now,
        }),
        role: new NameIds({ find: (name, signal) => roles.findRoleByName(name, signal), now }),
        location: new NameIds({ find: (name, signal) => locations.findLocationByName(name, signal), now }),
        // An id is looked up too: one Genesys does not know is that location's dead letter alone.
        locationId: new NameIds({ find: (id, signal) => existingLocation(locations, id, signal), now }),
      },
      async homeDivision(signal) {
        if (home === undefined || home.until <= now()) {
          home = { id: (await divisions.getHomeDivision(signal)).id, until: now() + HOME_TTL_MS };
        }
        return home.id;
      },
    },
    routing: {
      assignUserSkills: (userId, skills, signal) => users.assignUserSkills(userId, skills, signal),
      assignUserLanguages: (userId, languages, signal) =>
        users.assignUserLanguages(userId, languages, signal),
      removeUserSkill: (userId, skillId, signal) => users.removeUserSkill(userId, skillId, signal),
      removeUserLanguage: (userId, languageId, signal) =>
        users.removeUserLanguage(userId, languageId, signal),
      addQueueMembers: (queueId, userIds, signal) => queues.addQueueMembers(queueId, userIds, signal),
      removeQueueMembers: (queueId, userIds, signal) => queues.removeQueueMembers(queueId, userIds, signal),
      knownMemberCount: (queueId) => memberCounts.get(queueId),
      async queueMembers(queueId, maxPages, signal) {
        const { members, complete } = await queues.listQueueMembers(queueId, signal, maxPages);
        return { userIds: new Set(members.map((m) => m.id)), complete };
      },
      grantRole: (roleId, userIds, divisionIds, signal) =>
        roles.grantRole(roleId, userIds, divisionIds, signal),
      getUserGrants: (userId, signal) => roles.getUserGrants(userId, signal),
      removeUserGrants: (userId, grants, signal) => roles.removeUserGrants(userId, grants, signal),
    },
  };
}
