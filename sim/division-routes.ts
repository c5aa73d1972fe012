/**
 * The simulator's division routes: which of them a request is (`divisionRouteOf`), and the answer of
 * each (`answerDivisionRoute`): the listing, one division, and the move. Authentication, the rate
 * limits and injected faults come first, in sim/genesys-simulator.ts.
 */
import { parseMoveBody, parseObjectType } from "./division-move.ts";
import { divisionNotFound } from "./divisions.ts";
import { badRequest } from "./errors.ts";
import type { MoveGrants, UserDirectory } from "./users.ts";

/** A division route and the ids in its path (`other`: a method the path does not serve). */
export interface DivisionTarget {
  route: "getDivisions" | "getDivision" | "moveToDivision" | "other";
  divisionId?: string;
  objectType?: string;
}

const PREFIX = "/api/v2/authorization/divisions";
const ONE = /^\/api\/v2\/authorization\/divisions\/([^/]+)$/;
const MOVE = /^\/api\/v2\/authorization\/divisions\/([^/]+)\/objects\/([^/]+)$/;

/** The division route of a request, or undefined for a path outside `/api/v2/authorization/divisions`. */
export function divisionRouteOf(method: string, path: string): DivisionTarget | undefined {
  if (path === PREFIX || path === `${PREFIX}/`) return { route: method === "GET" ? "getDivisions" : "other" };
  const one = ONE.exec(path);
  if (one?.[1]) {
    return method === "GET"
      ? { route: "getDivision", divisionId: decodeURIComponent(one[1]) }
      : { route: "other" };
  }
  const move = MOVE.exec(path);
  if (move?.[1] && move[2]) {
    if (method !== "POST") return { route: "other" };
    const [divisionId, objectType] = [decodeURIComponent(move[1]), decodeURIComponent(move[2])];
    return { route: "moveToDivision", divisionId, objectType };
  }
  return undefined;
}

/**
 * The answer of a division route (not `other`). The move answers 204 without a body (the SDK's
 * `postAuthorizationDivisionObject` resolves with nothing); the order of its checks (chosen): body
 * (415/400), `objectType` (400), division (404), permission (403), ids (400/404).
 */
export async function answerDivisionRoute(
  directory: UserDirectory,
  target: DivisionTarget,
  params: URLSearchParams,
  readJson: () => Promise<unknown>,
  grants: MoveGrants,
): Promise<{ status: number; body: unknown }> {
  const divisions = directory.divisions;
  if (target.route === "getDivisions") return { status: 200, body: divisions.list(params) };
  if (target.route === "getDivision")
    return { status: 200, body: divisions.getForApi(target.divisionId ?? "") };
  const ids = parseMoveBody(await readJson());
  const objectType = parseObjectType(target.objectType ?? "");
  const divisionId = target.divisionId ?? "";
  if (!divisions.has(divisionId)) throw divisionNotFound(divisionId);
  if (objectType !== "USER") throw badRequest(`The simulator holds no objects of type ${objectType}.`);
  directory.moveToDivision(ids, divisionId, grants);
  return { status: 204, body: undefined };
}
