/**
 * `POST /api/v2/users` in the simulator: the body (the SDK's `CreateUser`) validated into a `NewUser`,
 * and the conflict answer. The directory (sim/users.ts) then checks the email against every user,
 * deleted ones included, validates `addresses` as a PATCH's and stores the user. Pure (no HTTP);
 * refusals throw `SimHttpError`. Sources and choices: docs/genesys-api-notes.md ("POST /api/v2/users").
 */
import { type DivisionRegistry, HOME_DIVISION_ID } from "./divisions.ts";
import { apiError, badRequest, ErrorCodes, invalidValue, type SimHttpError } from "./errors.ts";

/** The fields of the SDK's `CreateUser` (npm `purecloud-platform-client-v2` 262.0.0); any other is refused. */
const CREATE_USER_FIELDS = [
  "name",
  "department",
  "email",
  "addresses",
  "title",
  "password",
  "divisionId",
  "state",
] as const;

/** The states a create may ask for (the SDK's `CreateUser.state`: "Optional initialized state"). */
const CREATE_STATES = ["active", "inactive"] as const;
type CreateState = (typeof CREATE_STATES)[number];

/** Who may create users (SDK docs of `postUsers`: "Requires ANY permissions: directory:user:add"). */
export const CREATE_USER_PERMISSIONS = ["directory:user:add"] as const;

/** Loose email check: something@something.tld, no spaces (as a PATCH's). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CreateUserOptions {
  /**
   * The status of the answer to a create whose email any user holds, a deleted one included: the code
   * is `general.conflict` (what Genesys's Terraform provider checks), the status is not documented.
   * @default 409
   */
  createConflictStatus?: 409 | 400;
  /**
   * The state of a user created without `state`. The SDK's `CreateUser.state`: "If not specified,
   * state will be Active if invites are sent, otherwise Inactive"; the simulator sends no invites, so
   * either is plausible. @default "active"
   */
  createDefaultState?: CreateState;
  /**
   * Whether a create without `divisionId` is refused (400). The SDK's model marks it required; Genesys's
   * Terraform provider omits it and documents that the home division is then used. @default false
   */
  createRequiresDivisionId?: boolean;
}

/** A validated create; `addresses` is checked by the directory (uniqueness of extensions). */
export interface NewUser {
  name: string;
  email: string;
  title: string | undefined;
  department: string | undefined;
  /** As given (an array), or undefined. */
  addresses: unknown;
  /** The division given, or the Home division. */
  divisionId: string;
  state: CreateState;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The body of `POST /api/v2/users`. Checks, in order: a JSON object; no field outside `CreateUser`;
 * `name` and `email` non-empty strings, the email well-formed; `title`, `department`, `password`
 * strings; `state` active|inactive (400 invalid.value); `divisionId` a division that exists (400,
 * chosen). `null` is "not given" (as in a PATCH); `password` is accepted and never rendered.
 */
export function parseCreateUser(
  body: unknown,
  divisions: DivisionRegistry,
  options: Required<CreateUserOptions>,
): NewUser {
  if (!isRecord(body)) throw badRequest("The request body must be a JSON object (CreateUser).");
  const known: readonly string[] = CREATE_USER_FIELDS;
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw badRequest(
      `Unrecognized field [${unknown[0]}]: CreateUser takes ${CREATE_USER_FIELDS.join(", ")}.`,
      {
        fieldName: unknown[0] ?? "",
      },
    );
  }
  const given = (key: string): unknown => (body[key] === null ? undefined : body[key]);
  const name = requiredText(given("name"), "name");
  const email = requiredText(given("email"), "email");
  if (!EMAIL.test(email))
    throw badRequest(`The email address [${email}] is not valid.`, { fieldName: "email" });
  const title = optionalText(given("title"), "title");
  const department = optionalText(given("department"), "department");
  optionalText(given("password"), "password");
  const state = given("state") ?? options.createDefaultState;
  if (typeof state !== "string" || !(CREATE_STATES as readonly string[]).includes(state)) {
    throw invalidValue(String(state), "state", CREATE_STATES);
  }
  const divisionId = given("divisionId");
  if (divisionId === undefined && options.createRequiresDivisionId) {
    throw badRequest("divisionId is required.", { fieldName: "divisionId" });
  }
  if (divisionId !== undefined && (typeof divisionId !== "string" || !divisions.has(divisionId))) {
    throw badRequest(`The division [${String(divisionId)}] was not found.`, {
      fieldName: "divisionId",
      entityId: String(divisionId),
    });
  }
  const addresses = given("addresses");
  return {
    name,
    email,
    title: title || undefined,
    department: department || undefined,
    addresses,
    divisionId: divisionId ?? HOME_DIVISION_ID,
    state: state as CreateState,
  };
}

/**
 * The answer to a create whose email a user holds (any state): `general.conflict`, the code Genesys's
 * Terraform provider checks before it looks for a deleted user to restore. It names no user: the
 * client finds the holder by email.
 */
export function emailConflict(email: string, status: 409 | 400): SimHttpError {
  return apiError(status, ErrorCodes.conflict, `A user with the email address [${email}] already exists.`, {
    details: [{ fieldName: "email" }],
  });
}

function requiredText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw badRequest(`${field} is required and must be a non-empty string.`, { fieldName: field });
  }
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest(`${field} must be a string.`, { fieldName: field });
  return value;
}
