/**
 * `POST /api/v2/authorization/divisions/{divisionId}/objects/{objectType}` in the simulator: the body (a
 * list of object ids) validated, and the refusals. The directory (sim/users.ts) moves the users.
 * Pure (no HTTP); refusals throw `SimHttpError`. Sources and choices: docs/genesys-api-notes.md
 * ("Divisions").
 */
import { apiError, badRequest, DetailCodes, ErrorCodes, invalidValue, type SimHttpError } from "./errors.ts";

/** `objectType` values (SDK docs of `postAuthorizationDivisionObject`); the simulator holds only USERs. */
const DIVISION_OBJECT_TYPES = [
  "QUEUE",
  "CAMPAIGN",
  "CONTACTLIST",
  "DNCLIST",
  "EMAILCAMPAIGN",
  "MESSAGINGCAMPAIGN",
  "MANAGEMENTUNIT",
  "BUSINESSUNIT",
  "FLOW",
  "FLOWMILESTONE",
  "FLOWOUTCOME",
  "USER",
  "CALLROUTE",
  "EMERGENCYGROUPS",
  "ROUTINGSCHEDULES",
  "ROUTINGSCHEDULEGROUPS",
  "DATATABLES",
  "TEAM",
  "WORKBIN",
  "WORKTYPE",
  "EXTENSIONPOOL",
  "SKILLGROUP",
  "SCRIPT",
] as const;

/** Most ids in one move: undocumented, chosen (as the bulk read's 100 ids). */
export const MAX_OBJECTS_PER_MOVE = 100;

/**
 * Moving a user needs "Directory > User > Edit" in the divisions moved from and to (Genesys help, "Move
 * objects from one division to another"); the endpoint itself "Requires NO permissions" (SDK docs).
 */
export const MOVE_USER_PERMISSION = "directory:user:edit";

export interface DivisionMoveOptions {
  /**
   * Whether a move raises the moved user's `version` (it changes the user's `division`). Undocumented;
   * both are offered so that a client re-reads, or copes with a 409, either way. @default true
   */
  divisionMoveBumpsVersion?: boolean;
  /**
   * A list naming an id that is no user (or a deleted one): the whole call refused with 400 (default)
   * or 404, nothing moved, each such id in `details[].entityId`; or `skip`: the others are moved and
   * the call answers 204. Undocumented: all three are offered.
   */
  divisionMoveUnknownIds?: 400 | 404 | "skip";
}

/** `objectType`, upper-cased as the SDK documents it; 400 `invalid.value` for another. */
export function parseObjectType(objectType: string): string {
  if (!(DIVISION_OBJECT_TYPES as readonly string[]).includes(objectType)) {
    throw invalidValue(objectType, "objectType", DIVISION_OBJECT_TYPES);
  }
  return objectType;
}

/** The body: a JSON array of 1 to 100 non-empty strings (ids), each kept once, in order. */
export function parseMoveBody(body: unknown): string[] {
  if (!Array.isArray(body) || body.some((id) => typeof id !== "string" || id.trim() === "")) {
    throw badRequest("The request body must be a JSON array of object ids.", { fieldName: "body" });
  }
  const ids = [...new Set(body as string[])];
  if (ids.length === 0) throw badRequest("The list of object ids is empty.", { fieldName: "body" });
  if (ids.length > MAX_OBJECTS_PER_MOVE) {
    throw badRequest(
      `A maximum of ${MAX_OBJECTS_PER_MOVE} objects can be moved at once; ${ids.length} were given.`,
      { errorCode: DetailCodes.tooManyIds, fieldName: "body" },
    );
  }
  return ids;
}

/** The refusal of a move naming ids that are not objects of the type (see `divisionMoveUnknownIds`). */
export function unknownObjects(ids: readonly string[], status: 400 | 404): SimHttpError {
  return apiError(status, status === 404 ? ErrorCodes.notFound : ErrorCodes.badRequest, objectsMessage(ids), {
    details: ids.map((entityId) => ({ errorCode: DetailCodes.objectNotFound, fieldName: "body", entityId })),
  });
}

function objectsMessage(ids: readonly string[]): string {
  return `The objects [${ids.join(", ")}] were not found.`;
}
