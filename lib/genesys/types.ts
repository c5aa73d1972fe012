import { z } from "zod";
import { UserRoutingEntrySchema } from "./routing-types.ts";

/**
 * The Genesys Cloud models the sync reads, as zod schemas: every body the client accepts is parsed
 * through one of them (lib/genesys/http-client.ts), and the TypeScript types are inferred from them so
 * there is one definition. Objects are loose: fields the sync does not read survive parsing, because
 * `addresses` go back to the API as they came. test/contract/sdk-types.ts checks these shapes against
 * the official SDK's `Models.User` / `Models.Contact` / `Models.UpdateUser`.
 */

/** A `Contact` in `addresses`: a phone number and/or extension, or an email. */
const GenesysContactSchema = z.looseObject({
  address: z.string().optional(),
  display: z.string().optional(),
  /** `PHONE` | `EMAIL` | `SMS` (a string in the model, so other values parse). */
  mediaType: z.string().optional(),
  /** `PRIMARY` | `WORK` | `WORK2` | `WORK3` | `WORK4` | `HOME` | `MOBILE` | `MAIN` | `OTHER`. */
  type: z.string().optional(),
  extension: z.string().optional(),
  countryCode: z.string().optional(),
  integration: z.string().optional(),
});
export type GenesysContact = z.infer<typeof GenesysContactSchema>;

/** The parts of a Genesys Cloud `User` the sync reads (other fields pass through untouched). */
export const GenesysUserSchema = z.looseObject({
  id: z.string(),
  version: z.number().int(),
  name: z.string().optional(),
  email: z.string().optional(),
  title: z.string().optional(),
  department: z.string().optional(),
  /**
   * `active` | `inactive` | `deleted` as documented; a string in the SDK's model, and parsed as one, so
   * that a value added later does not make the whole bulk read malformed.
   */
  state: z.string().optional(),
  /** A user reference; absent (or null) when the user has no manager. */
  manager: z.looseObject({ id: z.string().optional() }).nullish(),
  addresses: z.array(GenesysContactSchema).optional(),
  preferredName: z.string().optional(),
  acdAutoAnswer: z.boolean().optional(),
  /** Rendered when asked for (`expand=employerInfo`), or always by some orgs. */
  employerInfo: z
    .looseObject({
      officialName: z.string().optional(),
      employeeId: z.string().optional(),
      employeeType: z.string().optional(),
      dateHire: z.string().optional(),
    })
    .nullish(),
  /** The user's division (every user has one; the API renders `{ id, name, selfUri }`). */
  division: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
  /**
   * With `expand=skills` / `languages` (best effort, like every expansion: absent says nothing): the
   * user's skills and languages with proficiency. Genesys's Terraform provider reads them so (S35).
   */
  skills: z.array(UserRoutingEntrySchema).optional(),
  languages: z.array(UserRoutingEntrySchema).optional(),
  /**
   * With `expand=locations`: the user's locations (`Location`). Genesys's Terraform provider reads the
   * id from `locationDefinition.id` and writes `{ id, notes }` (S35); read both.
   */
  locations: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        notes: z.string().optional(),
        locationDefinition: z
          .looseObject({ id: z.string().optional(), name: z.string().optional() })
          .optional(),
      }),
    )
    .optional(),
  /**
   * With `expand=authorization` (`UserAuthorization`): the roles the user holds, without their
   * divisions (a `DomainRole` is `{ id, name }`); the grants by division are read from
   * `GET /api/v2/authorization/subjects/{subjectId}`.
   */
  authorization: z
    .looseObject({
      roles: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).optional(),
    })
    .optional(),
});
export type GenesysUser = z.infer<typeof GenesysUserSchema>;

/** `User.employerInfo` / `UpdateUser.employerInfo`. */
export interface EmployerInfo {
  officialName?: string;
  employeeId?: string;
  employeeType?: string;
  dateHire?: string;
}

/** One `UserSearchCriteria` the sync sends: an EXACT match of any of `fields` to `value` or any of `values`. */
export interface UserSearchCriterion {
  readonly type: "EXACT";
  readonly fields: string[];
  readonly value?: string;
  readonly values?: string[];
}

/**
 * The body of `POST /api/v2/users/search` (UserSearchRequest) that the sync sends. Criteria are ANDed;
 * without a `state` criterion the simulator finds only active users (the real API: undocumented).
 */
export interface UserSearchRequestBody {
  readonly query: UserSearchCriterion[];
  /** Default 25; the simulator allows up to 100 (undocumented: chosen). */
  readonly pageSize?: number;
  /** From 1. */
  readonly pageNumber?: number;
  /** e.g. `["employerInfo"]` to have it rendered on the results. */
  readonly expand?: UserExpand[];
}

/**
 * The `expand` values the sync may ask for (documented values of `getUsers`/`getUser`, S30). Each is
 * best effort: an expansion that does not come back says nothing about the user.
 */
export type UserExpand = "employerInfo" | "skills" | "languages" | "locations" | "authorization";

/** The body of `PATCH /api/v2/users/{userId}` (UpdateUser) that the sync sends. */
export interface UpdateUserBody {
  readonly version: number;
  name?: string;
  email?: string;
  title?: string;
  department?: string;
  /** The manager's user id; an empty string removes the manager. */
  manager?: string;
  addresses?: GenesysContact[];
  preferredName?: string;
  acdAutoAnswer?: boolean;
  /** The API keeps the fields not sent? Undocumented: the sync always sends the whole object, merged. */
  employerInfo?: EmployerInfo;
  /** Documented: "If specified, it is the only modifiable field" — so state goes in a PATCH of its own. */
  state?: "active" | "inactive";
  /**
   * The user's locations, the whole list (`Location`; Genesys's Terraform provider sends `{ id, notes }`
   * for each and reads them back with `expand=locations`, S35). `[]` removes every location.
   */
  locations?: { readonly id: string; readonly notes?: string }[];
}

/**
 * The body of `POST /api/v2/users` (the SDK's `CreateUser`, every field of it). Manager, employer
 * info, preferred name, acdAutoAnswer are not in it: a second call (PATCH) sets them.
 */
export interface CreateUserBody {
  readonly name: string;
  /** The user's email and username; a user holding it already (deleted included) makes a conflict. */
  readonly email: string;
  readonly department?: string;
  readonly title?: string;
  /** As in a PATCH; an extension needs `telephony:extension:assign` (as a PATCH's, assumed). */
  readonly addresses?: GenesysContact[];
  readonly password?: string;
  /**
   * The division to create the user in. Required in the SDK's model, but Genesys's Terraform provider
   * omits it and documents that the home division is used then.
   */
  readonly divisionId?: string;
  /** SDK: "If not specified, state will be Active if invites are sent, otherwise Inactive": send it. */
  readonly state?: "active" | "inactive";
}

/** A division (the SDK's `AuthzDivision`): what the listing and the read of one division answer. */
export const GenesysDivisionSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  /** True for the org's Home division (where users are created without a `divisionId`). */
  homeDivision: z.boolean().optional(),
  selfUri: z.string().optional(),
});
export type GenesysDivision = z.infer<typeof GenesysDivisionSchema>;
