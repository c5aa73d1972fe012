/**
 * Typed errors of the Genesys Cloud client. Each carries the data its handler needs; the sync turns
 * them into outcomes in one place (lib/sync/failure.ts).
 *
 * | error | what the sync does |
 * | --- | --- |
 * | `RateLimitedError` | re-queue with a delay of `retryAfterMs` (+ jitter); not counted as an attempt (a login limit too: never "bad credentials") |
 * | `VersionConflictError` | read the user again and retry (bounded) |
 * | `UserConflictError` | a create whose email a user holds: find that user by email (any state) and restore or update it |
 * | `ExtensionInUseError` | re-queue; dead-letter after the attempt limit |
 * | `TransientGenesysError` | re-queue; dead-letter after the attempt limit |
 * | `PermanentGenesysError` (incl. `UserNotFoundError`, `DivisionNotFoundError`, `DivisionMoveRefusedError`) | dead-letter now (a refused move: the users it names, or split the batch when it names none) |
 * | `RoutingObjectNotFoundError` | the skill, language, queue, role or location an id names is gone: dead-letter that element |
 * | `AssignmentRefusedError` | a batched assignment refused: dead-letter the users or objects it names, or split the batch when it names none |
 * | `AuthenticationError` | stop the run; release every held message |
 * | `PermissionError` | an extension refused: dead-letter it, apply the rest; otherwise stop the run |
 */

export interface GenesysErrorDetails {
  /** HTTP status, or undefined when no response came (timeout, reset). */
  readonly status?: number | undefined;
  /** The normalized error body's `code`, e.g. `bad.request`. */
  readonly code?: string | undefined;
  /** The request, e.g. `PATCH /api/v2/users/{id}`. */
  readonly operation?: string | undefined;
  /** Genesys `contextId` / `ININ-Correlation-Id`, for support cases. */
  readonly correlationId?: string | undefined;
  /** The ids the error body names (`details[].entityId`), e.g. the objects a division move refused. */
  readonly entityIds?: readonly string[] | undefined;
}

export abstract class GenesysError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly operation: string | undefined;
  readonly correlationId: string | undefined;
  /** The ids the error body names (`details[].entityId`); empty when it names none. */
  readonly entityIds: readonly string[];
  /** A stable, dotted reason code for logs, metrics and dead letters. */
  abstract readonly reasonCode: string;
  constructor(message: string, details: GenesysErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.status = details.status;
    this.code = details.code;
    this.operation = details.operation;
    this.correlationId = details.correlationId;
    this.entityIds = details.entityIds ?? [];
  }
}

/** The details of `error`, to carry into an error that refines it. */
export function detailsOf(error: GenesysError): GenesysErrorDetails {
  const { status, code, operation, correlationId, entityIds } = error;
  return { status, code, operation, correlationId, entityIds };
}

/**
 * For a catch around a read of one object: a 404 (`PermanentGenesysError`) becomes the not-found error
 * `refine` builds from its details, with `operation` as the operation; anything else, a not-found error
 * already refined included, comes back as it came. `throw notFoundAs(error, op, (d) => new X(id, d))`.
 */
export function notFoundAs(
  error: unknown,
  operation: string,
  refine: (details: GenesysErrorDetails) => PermanentGenesysError,
): unknown {
  if (!(error instanceof PermanentGenesysError) || error.status !== 404 || isRefinedNotFound(error))
    return error;
  return refine({ ...detailsOf(error), operation });
}

function isRefinedNotFound(error: GenesysError): boolean {
  return (
    error instanceof UserNotFoundError ||
    error instanceof DivisionNotFoundError ||
    error instanceof RoutingObjectNotFoundError
  );
}

/**
 * For a catch around a call that assigns many things at once (`ours`, the ids it sends: users, skills,
 * roles, divisions) to one object (a queue, a role, a user, a division): a `PermanentGenesysError` 400
 * or 404 becomes the error `refuse` builds from the ids of `ours` the answer names (`entityIds`, empty
 * when it names none); anything else comes back as it came. The object itself may be what is gone:
 * before that, `target.check()` reads it (and throws its not-found error if it is gone) when the answer
 * is a 404 that names none of `ours`, or names `target.id` (given where the answer may name it).
 * `throw await refusedBatch(error, ids, { check }, (named, refused) => new AssignmentRefusedError(...))`.
 */
export async function refusedBatch(
  error: unknown,
  ours: readonly string[],
  target: { readonly id?: string; readonly check: () => Promise<unknown> },
  refuse: (named: string[], refused: PermanentGenesysError) => PermanentGenesysError,
): Promise<unknown> {
  if (!(error instanceof PermanentGenesysError) || (error.status !== 400 && error.status !== 404))
    return error;
  const named = error.entityIds.filter((id) => ours.includes(id));
  const namesTarget = target.id !== undefined && error.entityIds.includes(target.id);
  if (namesTarget || (error.status === 404 && named.length === 0)) await target.check();
  return refuse(named, error);
}

/**
 * Where a rate limit came from. `genesys`: this call got a 429; `login`: no token can be had yet (the login service's own limit, a 429
 * or a `400 invalid_request` "rate limit exceeded", or this process's pacing of token requests).
 */
export type RateLimitSource = "genesys" | "login";

/** 429 from Genesys, or the login service's limit. (The shared budget's denials are `BudgetDeniedError`.) */
export class RateLimitedError extends GenesysError {
  override readonly name = "RateLimitedError";
  /** `genesys.login.rate.limited` for `login`, else `genesys.rate.limited`. */
  readonly reasonCode: string;
  /** How long to wait before the next call, ms. */
  readonly retryAfterMs: number;
  readonly source: RateLimitSource;
  constructor(message: string, retryAfterMs: number, source: RateLimitSource, details?: GenesysErrorDetails) {
    super(message, { status: source === "genesys" ? 429 : undefined, ...details });
    this.retryAfterMs = retryAfterMs;
    this.source = source;
    this.reasonCode = source === "login" ? "genesys.login.rate.limited" : "genesys.rate.limited";
  }
}

/** 409: the `version` sent is no longer the user's current one. */
export class VersionConflictError extends GenesysError {
  override readonly name = "VersionConflictError";
  readonly reasonCode = "genesys.version.conflict";
}

/**
 * A create (`POST /api/v2/users`) refused because a user already holds the email: `general.conflict`,
 * answered 409 or 400 (Genesys's Terraform provider checks the code, not the status). That user
 * exists in some state, deleted included; the answer does not say which user, and the search may not
 * show it yet (it trails writes). Never create again: find it by email and restore or update it.
 */
export class UserConflictError extends GenesysError {
  override readonly name = "UserConflictError";
  readonly reasonCode = "genesys.user.conflict";
  /** The email of the create. */
  readonly email: string;
  constructor(email: string, details?: GenesysErrorDetails, options?: ErrorOptions) {
    super(`a user with the email ${email} already exists in Genesys Cloud (in some state)`, details, options);
    this.email = email;
  }
}

/** 400 because the WORK extension belongs to another user; the change that frees it may still be queued. */
export class ExtensionInUseError extends GenesysError {
  override readonly name = "ExtensionInUseError";
  readonly reasonCode = "genesys.extension.in.use";
}

/** 5xx, a timeout or a reset connection: worth retrying later. */
export class TransientGenesysError extends GenesysError {
  override readonly name = "TransientGenesysError";
  readonly reasonCode: string;
  constructor(message: string, reasonCode: string, details?: GenesysErrorDetails, options?: ErrorOptions) {
    super(message, details, options);
    this.reasonCode = reasonCode;
  }
}

/** A 4xx that retrying will not fix (invalid value, unknown user, ...). */
export class PermanentGenesysError extends GenesysError {
  override readonly name: string = "PermanentGenesysError";
  readonly reasonCode: string;
  constructor(message: string, reasonCode: string, details?: GenesysErrorDetails) {
    super(message, details);
    this.reasonCode = reasonCode;
  }
}

/** The user does not exist in Genesys Cloud (404, or absent from a bulk read with `state=any`). */
export class UserNotFoundError extends PermanentGenesysError {
  override readonly name = "UserNotFoundError";
  constructor(userId: string, details?: GenesysErrorDetails) {
    super(`user ${userId} does not exist in Genesys Cloud`, "genesys.user.not.found", {
      status: 404,
      ...details,
    });
  }
}

/** The division does not exist in Genesys Cloud (404 on reading it, or on a move into it). */
export class DivisionNotFoundError extends PermanentGenesysError {
  override readonly name = "DivisionNotFoundError";
  readonly divisionId: string;
  constructor(divisionId: string, details?: GenesysErrorDetails) {
    super(`division ${divisionId} does not exist in Genesys Cloud`, "genesys.division.not.found", {
      status: 404,
      ...details,
    });
    this.divisionId = divisionId;
  }
}

/** The objects of routing and access the sync assigns to users. */
export type RoutingObjectKind = "skill" | "language" | "queue" | "role" | "division" | "location";

/**
 * A skill, language, queue, role or location id that Genesys Cloud does not know (a 404 on it, or a
 * call that named it among the ones it refused): `genesys.skill.not.found`, `genesys.queue.not.found`, ...
 */
export class RoutingObjectNotFoundError extends PermanentGenesysError {
  override readonly name = "RoutingObjectNotFoundError";
  readonly kind: RoutingObjectKind;
  readonly objectId: string;
  constructor(kind: RoutingObjectKind, objectId: string, details?: GenesysErrorDetails) {
    super(`${kind} ${objectId} does not exist in Genesys Cloud`, `genesys.${kind}.not.found`, {
      status: 404,
      ...details,
    });
    this.kind = kind;
    this.objectId = objectId;
  }
}

/**
 * A call that assigns many things at once (a user's skills or languages, a queue's members, a role's
 * subjects, a user's grants) refused with 400 or 404. Whether such a call applied the parts it did
 * not refuse is undocumented: read it as "nothing applied". `userIds` and `objectIds` are the ids of
 * the call the answer names (unknown or deleted users; unknown skills, languages, roles, divisions);
 * both empty when it names none, and then only splitting the call tells which part is at fault.
 * `reasonCode` is `genesys.<assignment>.refused`, e.g. `genesys.queue.members.refused`.
 */
export class AssignmentRefusedError extends PermanentGenesysError {
  override readonly name = "AssignmentRefusedError";
  readonly assignment: "skills" | "languages" | "queue.members" | "role.grants";
  readonly userIds: readonly string[];
  readonly objectIds: readonly string[];
  constructor(
    message: string,
    assignment: AssignmentRefusedError["assignment"],
    named: { readonly userIds: readonly string[]; readonly objectIds: readonly string[] },
    details?: GenesysErrorDetails,
  ) {
    super(message, `genesys.${assignment}.refused`, details);
    this.assignment = assignment;
    this.userIds = named.userIds;
    this.objectIds = named.objectIds;
  }
}

/**
 * A division move (`POST /api/v2/authorization/divisions/{divisionId}/objects/USER`) refused with 400 or
 * 404 into a division that exists. Whether such a call moves the other users is undocumented: read it
 * as "nobody moved". `userIds` are the ids of the call the answer names (unknown or deleted users);
 * empty when it names none, then only splitting the batch tells which user is at fault.
 */
export class DivisionMoveRefusedError extends PermanentGenesysError {
  override readonly name = "DivisionMoveRefusedError";
  readonly divisionId: string;
  readonly userIds: readonly string[];
  constructor(
    message: string,
    divisionId: string,
    userIds: readonly string[],
    details?: GenesysErrorDetails,
  ) {
    super(message, "genesys.division.move.refused", details);
    this.divisionId = divisionId;
    this.userIds = userIds;
  }
}

/** 401 even after renewing the token, or the login endpoint refused the client: the credentials are wrong. */
export class AuthenticationError extends GenesysError {
  override readonly name = "AuthenticationError";
  readonly reasonCode = "genesys.authentication.failed";
}

/**
 * 403: the OAuth client lacks a permission. The run stops, unless the sync can tell that only an
 * extension was refused (`telephony:extension:assign`; see lib/sync/forbidden-patch.ts).
 */
export class PermissionError extends GenesysError {
  override readonly name = "PermissionError";
  readonly reasonCode = "genesys.permission.missing";
  /** The permissions the answer names, e.g. `directory:user:edit`; empty when it names none. */
  readonly namedPermissions: readonly string[];
  constructor(message: string, namedPermissions: readonly string[], details?: GenesysErrorDetails) {
    super(message, details);
    this.namedPermissions = namedPermissions;
  }
}
