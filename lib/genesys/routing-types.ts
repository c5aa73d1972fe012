import { z } from "zod";

/**
 * The routing and access models the sync reads (SDK `Models`, notes S34), as zod schemas. Loose: fields
 * the sync does not read survive parsing. test/contract/sdk-types.ts checks them against the SDK's
 * models.
 */

/**
 * Any paged listing's envelope (`SkillEntityListing`, `QueueEntityListing`, `UserEntityListing`,
 * `AuthzDivisionEntityListing`, ...): what paging reads.
 */
export const listingOf = <T extends z.ZodType>(entity: T) =>
  z.looseObject({
    entities: z.array(entity).optional(),
    pageSize: z.number().int().optional(),
    pageNumber: z.number().int().optional(),
    pageCount: z.number().int().optional(),
    total: z.number().int().optional(),
    nextUri: z.string().nullish(),
  });

/** A routing skill (`RoutingSkill`); `name` is required by the model. */
export const RoutingSkillSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  /** `active` | `inactive` | `deleted` in practice; a string in the model. */
  state: z.string().optional(),
});
export type RoutingSkill = z.infer<typeof RoutingSkillSchema>;

/** A routing language (`Language`). */
export const RoutingLanguageSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  state: z.string().optional(),
});
export type RoutingLanguage = z.infer<typeof RoutingLanguageSchema>;

/**
 * A queue (`Queue`, and `UserQueue` in a user's queues, which adds `joined`). `name` is optional in the
 * model; a queue without one reads as named "" (found by no name).
 */
export const RoutingQueueSchema = z.looseObject({
  id: z.string(),
  name: z
    .string()
    .optional()
    .transform((name) => name ?? ""),
  division: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
  memberCount: z.number().int().optional(),
  /** Only in a user's queues (`UserQueue.joined`): whether the user is joined (active) in the queue. */
  joined: z.boolean().optional(),
});
export type RoutingQueue = z.infer<typeof RoutingQueueSchema>;

/**
 * One of a user's skills or languages (`UserRoutingSkill` / `UserRoutingLanguage`): the skill's id and
 * name and the user's proficiency (0 to 5; a language's is rounded to an integer by the backend, S35).
 */
export const UserRoutingEntrySchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  proficiency: z.number().optional(),
  state: z.string().optional(),
});
export type UserRoutingEntry = z.infer<typeof UserRoutingEntrySchema>;

/** A queue member (`QueueMember`): the user's id, and whether they are joined. */
export const QueueMemberSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  joined: z.boolean().optional(),
  /** `user` or `group`: a member through a group is not the user's own membership. */
  memberBy: z.string().optional(),
});
export type QueueMember = z.infer<typeof QueueMemberSchema>;

/** An organization role (`DomainOrganizationRole`). */
export const GenesysRoleSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
});
export type GenesysRole = z.infer<typeof GenesysRoleSchema>;

/** One grant of a subject (`AuthzGrant`): a role in a division, held directly or through a group. */
export const AuthzGrantSchema = z.looseObject({
  /** The subject that holds the grant: the user, or a group the user is in (`includeDuplicates`). */
  subjectId: z.string().optional(),
  division: z.looseObject({ id: z.string(), name: z.string().optional() }),
  role: z.looseObject({ id: z.string(), name: z.string().optional() }),
  grantMadeAt: z.string().optional(),
});

/** A subject's grants (`AuthzSubject`). */
export const AuthzSubjectSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  grants: z.array(AuthzGrantSchema).optional(),
  version: z.number().int().optional(),
});

/**
 * One subject's divisions in a role (`SubjectDivisionGrants`): `id` the user's (or group's) id, `type`
 * its kind (values undocumented), `divisions` where it holds the role.
 */
export const SubjectDivisionGrantsSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  type: z.string().optional(),
  divisions: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).optional(),
});

/** A location (`LocationDefinition`). */
export const GenesysLocationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  state: z.string().optional(),
});
export type GenesysLocation = z.infer<typeof GenesysLocationSchema>;

/** What `POST /api/v2/locations/search` answers (`LocationsSearchResponse`); `results` may be absent. */
export const LocationsSearchResponseSchema = z.looseObject({
  total: z.number().int().optional(),
  pageCount: z.number().int().optional(),
  pageNumber: z.number().int().optional(),
  results: z.array(GenesysLocationSchema).nullish(),
});

/** The answer of a call the SDK resolves with nothing (`Promise<void>`): whatever comes is ignored. */
export const NoBodySchema = z.unknown();
