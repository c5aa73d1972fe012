/**
 * Type-level contract with Genesys's own model (npm `purecloud-platform-client-v2`, its `Models`).
 * Nothing here runs: `npm run typecheck` (part of `npm test`) fails when
 * - a body we PATCH is not assignable to `Models.UpdateUser`, or one we create names a field
 *   `Models.CreateUser` lacks;
 * - a field we read from a `User`, a `Contact`, a division or a manager reference is not a field of the
 *   SDK's model under that name, or has a type the model does not allow;
 * - a field we read from a `LimitsEntityListing` (the org's limits) is not a field of the SDK's model;
 * - a field we read from a division (`AuthzDivision`) is not the model's;
 * - a field we read from a routing or access model (a skill, a language, a queue, a user's skill or
 *   queue, a queue member, a role, a subject's grants, a location, the location search) is not the
 *   model's, or a body we send for them (skills and languages, grants) is not the model's;
 * - the simulator renders a `User`, a `Contact`, an error body, a `LimitsEntityListing`, an
 *   `AuthzDivision` or its listing, or a routing or access model with a field the model does not have.
 * The error names the field, e.g. `Type '"titel"' does not satisfy the constraint 'never'`.
 */
import type { Models } from "purecloud-platform-client-v2";
import type { z } from "zod";
import type { LimitsEntityListingSchema } from "../../lib/genesys/org-limits.ts";
import type { RoleGrant } from "../../lib/genesys/roles-api.ts";
import type {
  AuthzSubjectSchema,
  GenesysLocation,
  GenesysRole,
  LocationsSearchResponseSchema,
  QueueMember,
  RoutingLanguage,
  RoutingQueue,
  RoutingSkill,
  UserRoutingEntry,
} from "../../lib/genesys/routing-types.ts";
import type {
  CreateUserBody,
  GenesysContact,
  GenesysDivision,
  GenesysUser,
  UpdateUserBody,
  UserSearchRequestBody,
} from "../../lib/genesys/types.ts";
import type { ProficiencyAssignment } from "../../lib/genesys/user-routing-api.ts";
import type { UsersSearchResult } from "../../lib/genesys/users-api.ts";
import type {
  ApiDivision,
  ApiLocation,
  ApiQueue,
  ApiQueueMember,
  ApiRole,
  ApiRoutingSkill,
  ApiSubject,
  ApiUser,
  ApiUserLocation,
  ApiUserRoutingEntry,
  Contact,
  DivisionListing,
  ErrorBody,
  LocationsSearchResponse,
  OrgLimitsListing,
  QueueMemberListing,
} from "../../sim/genesys-simulator.ts";
import type { UsersSearchResponse } from "../../sim/user-search.ts";

/** The keys a type names (the `[k: string]: unknown` of a loose schema left out). */
type NamedKeys<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };

/**
 * The fields `Ours` names that `Theirs` lacks or types differently (`never` when all fit). Only the
 * fields we name are compared, so a read model may be a subset; nested objects and array elements are
 * compared field by field (three levels deep: `ErrorBody.errors` is recursive), scalars by
 * assignability. Optionality and null are not compared.
 */
type Misfits<Ours, Theirs, Depth extends unknown[] = []> = {
  [K in NamedKeys<Ours>]-?: K extends keyof Theirs
    ? Fits<NonNullable<Ours[K]>, NonNullable<Theirs[K]>, Depth> extends true
      ? never
      : K
    : K;
}[NamedKeys<Ours>];

type Fits<O, T, Depth extends unknown[]> = Depth["length"] extends 3
  ? true
  : O extends readonly (infer OE)[]
    ? T extends readonly (infer TE)[]
      ? Fits<OE, TE, [...Depth, 0]>
      : false
    : O extends object
      ? [Misfits<O, T, [...Depth, 0]>] extends [never]
        ? true
        : false
      : [O] extends [T]
        ? true
        : false;

/** Compiles only when `T` is `never` (no misfit). */
type NoMisfit<T extends never> = T;

/** Never used, only checked (the `_` keeps the linter quiet about that). */
type _ContractChecks = [
  // What the sync reads from the API.
  NoMisfit<Misfits<GenesysUser, Models.User>>,
  NoMisfit<Misfits<GenesysContact, Models.Contact>>,
  NoMisfit<Misfits<NonNullable<GenesysUser["division"]>, Models.Division>>,
  // What the sync sends: every field by its model name, and the whole body assignable.
  NoMisfit<Misfits<UpdateUserBody, Models.UpdateUser>>,
  UpdateUserBody extends Models.UpdateUser ? true : never,
  // A create: every field by its model name (`divisionId` is optional in ours, required in the model:
  // the Home division is used without it, as Genesys's Terraform provider documents).
  NoMisfit<Misfits<CreateUserBody, Models.CreateUser>>,
  Omit<CreateUserBody, "divisionId"> & { divisionId: string } extends Models.CreateUser ? true : never,
  // The divisions: what we read of an AuthzDivision.
  NoMisfit<Misfits<GenesysDivision, Models.AuthzDivision>>,
  // The search: our request body is a UserSearchRequest, what we read of the answer its fields.
  NoMisfit<Misfits<UserSearchRequestBody, Models.UserSearchRequest>>,
  UserSearchRequestBody extends Models.UserSearchRequest ? true : never,
  NoMisfit<Misfits<UsersSearchResult, Models.UsersSearchResponse>>,
  NoMisfit<Misfits<UsersSearchResponse, Models.UsersSearchResponse>>,
  // The org's limits: what we read of a LimitsEntityListing.
  NoMisfit<Misfits<z.output<typeof LimitsEntityListingSchema>, Models.LimitsEntityListing>>,
  // Routing and access: what we read of each model, and what we send.
  NoMisfit<Misfits<RoutingSkill, Models.RoutingSkill>>,
  NoMisfit<Misfits<RoutingLanguage, Models.Language>>,
  NoMisfit<Misfits<RoutingQueue, Models.UserQueue>>,
  NoMisfit<Misfits<Omit<RoutingQueue, "joined">, Models.Queue>>,
  NoMisfit<Misfits<UserRoutingEntry, Models.UserRoutingSkill>>,
  NoMisfit<Misfits<UserRoutingEntry, Models.UserRoutingLanguage>>,
  NoMisfit<Misfits<QueueMember, Models.QueueMember>>,
  NoMisfit<Misfits<GenesysRole, Models.DomainOrganizationRole>>,
  NoMisfit<Misfits<z.output<typeof AuthzSubjectSchema>, Models.AuthzSubject>>,
  NoMisfit<Misfits<GenesysLocation, Models.LocationDefinition>>,
  NoMisfit<Misfits<z.output<typeof LocationsSearchResponseSchema>, Models.LocationsSearchResponse>>,
  ProficiencyAssignment extends Models.UserRoutingSkillPost & Models.UserRoutingLanguagePost ? true : never,
  RoleGrant extends Models.RoleDivisionPair ? true : never,
  // What the simulator renders.
  NoMisfit<Misfits<ApiUser, Models.User>>,
  NoMisfit<Misfits<Contact, Models.Contact>>,
  NoMisfit<Misfits<ErrorBody, Models.ErrorBody>>,
  NoMisfit<Misfits<OrgLimitsListing, Models.LimitsEntityListing>>,
  NoMisfit<Misfits<ApiDivision, Models.AuthzDivision>>,
  NoMisfit<Misfits<DivisionListing, Models.AuthzDivisionEntityListing>>,
  NoMisfit<Misfits<ApiRoutingSkill, Models.RoutingSkill>>,
  NoMisfit<Misfits<ApiRoutingSkill, Models.Language>>,
  NoMisfit<Misfits<ApiUserRoutingEntry, Models.UserRoutingSkill & Models.UserRoutingLanguage>>,
  NoMisfit<Misfits<ApiQueue, Models.UserQueue>>,
  NoMisfit<Misfits<ApiQueueMember, Models.QueueMember>>,
  NoMisfit<Misfits<QueueMemberListing, Models.QueueMemberEntityListing>>,
  NoMisfit<Misfits<ApiRole, Models.DomainOrganizationRole>>,
  NoMisfit<Misfits<ApiSubject, Models.AuthzSubject>>,
  NoMisfit<Misfits<ApiLocation, Models.LocationDefinition>>,
  NoMisfit<Misfits<ApiUserLocation, Models.Location>>,
  NoMisfit<Misfits<LocationsSearchResponse, Models.LocationsSearchResponse>>,
];
