/**
 * Contract test for access: the simulator driven through Genesys's JavaScript SDK
 * (`purecloud-platform-client-v2`), every call our roles and locations clients make, and the user reads
 * and writes they rely on: `AuthorizationApi.getAuthorizationRoles`, `getAuthorizationRole`,
 * `getAuthorizationSubject`, `getAuthorizationRoleSubjectgrants`, `postAuthorizationRole`, `postAuthorizationSubjectBulkadd`,
 * `postAuthorizationSubjectBulkremove`, `getAuthorizationDivisionsHome`,
 * `LocationsApi.postLocationsSearch`, `getLocation`, `UsersApi.getUsers` with `expand` skills,
 * languages, locations and authorization, and `patchUser` with `locations`. As in sdk-users.test.ts,
 * "the SDK accepts the answer" means: the call resolves, every field is a field of the SDK's model (the
 * lists below are checked against `keyof Models.X` by tsc), and our own schema reads it. The 404s our
 * clients rely on (an unknown role, location or subject) are driven through the SDK too, and through
 * our client (lib/genesys/*) over HTTP, which must map the same answer to its typed error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { UserNotFoundError } from "../../lib/genesys/errors.ts";
import { LocationsApi } from "../../lib/genesys/locations-api.ts";
import { type RoleGrant, RolesApi } from "../../lib/genesys/roles-api.ts";
import {
  AuthzSubjectSchema,
  GenesysLocationSchema,
  GenesysRoleSchema,
  LocationsSearchResponseSchema,
  listingOf,
} from "../../lib/genesys/routing-types.ts";
import { GenesysDivisionSchema, GenesysUserSchema, type UpdateUserBody } from "../../lib/genesys/types.ts";
import {
  type GenesysSimulator,
  HOME_DIVISION_ID,
  startGenesysSimulator,
} from "../../sim/genesys-simulator.ts";
import { simHttp } from "../helpers/sim-http.ts";
import {
  classifiedAs,
  ENTITY_LISTING_FIELDS,
  notFoundAs,
  rejectedAsNotFound,
  rejectedBody,
  SIM_USER_FIELDS,
  sdkOff,
  sdkOn,
  unknownFields,
} from "./sdk-answers.ts";

const ANN = "00000000-0000-4000-8000-000000005001";
const BEN = "00000000-0000-4000-8000-000000005002";
const NO_ONE = "00000000-0000-4000-8000-0000000050ff";
const AGENT = "00000000-0000-4000-8000-000000005101";
const LEAD = "00000000-0000-4000-8000-000000005102";
const EMEA = "00000000-0000-4000-8000-000000005201";
const PARIS = "00000000-0000-4000-8000-000000005301";
const BILLING = "00000000-0000-4000-8000-000000005401";
const FRENCH = "00000000-0000-4000-8000-000000005501";
const NO_ROLE = "00000000-0000-4000-8000-0000000051ff";
const NO_LOCATION = "00000000-0000-4000-8000-0000000053ff";

const ROLE_FIELDS = [
  "id",
  "name",
  "description",
  "default",
  "base",
  "selfUri",
] as const satisfies readonly (keyof Models.DomainOrganizationRole)[];
const ROLE_LISTING_FIELDS =
  ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.OrganizationRoleEntityListing)[];
const SUBJECT_FIELDS = [
  "id",
  "name",
  "grants",
  "version",
  "selfUri",
] as const satisfies readonly (keyof Models.AuthzSubject)[];
const GRANT_FIELDS = [
  "subjectId",
  "division",
  "role",
  "grantMadeAt",
] as const satisfies readonly (keyof Models.AuthzGrant)[];
const GRANT_ROLE_FIELDS = [
  "id",
  "name",
  "description",
  "default",
  "selfUri",
] as const satisfies readonly (keyof Models.AuthzGrantRole)[];
const SUBJECT_GRANTS_FIELDS = [
  "id",
  "name",
  "divisions",
  "type",
] as const satisfies readonly (keyof Models.SubjectDivisionGrants)[];
const SUBJECT_GRANTS_LISTING_FIELDS =
  ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.SubjectDivisionGrantsEntityListing)[];
const REF_DIVISION_FIELDS = ["id", "name", "selfUri"] as const satisfies readonly (keyof Models.Division)[];
const DIVISION_FIELDS = [
  "id",
  "name",
  "description",
  "homeDivision",
  "selfUri",
] as const satisfies readonly (keyof Models.AuthzDivision)[];
const LOCATION_FIELDS = [
  "id",
  "name",
  "state",
  "version",
  "selfUri",
] as const satisfies readonly (keyof Models.LocationDefinition)[];
const SEARCH_FIELDS = [
  "total",
  "pageCount",
  "pageSize",
  "pageNumber",
  "types",
  "results",
] as const satisfies readonly (keyof Models.LocationsSearchResponse)[];
const USER_LOCATION_FIELDS = [
  "id",
  "notes",
  "locationDefinition",
] as const satisfies readonly (keyof Models.Location)[];
const USER_FIELDS = [
  ...SIM_USER_FIELDS,
  "skills",
  "languages",
  "locations",
  "authorization",
] as const satisfies readonly (keyof Models.User)[];
const USER_AUTHORIZATION_FIELDS = [
  "roles",
  "permissions",
] as const satisfies readonly (keyof Models.UserAuthorization)[];

describe("access through Genesys's JavaScript SDK (AuthorizationApi, LocationsApi, UsersApi)", () => {
  const client = platformClient.ApiClient.instance;
  const authorization = new platformClient.AuthorizationApi(client);
  const locations = new platformClient.LocationsApi(client);
  const users = new platformClient.UsersApi(client);
  const signal = AbortSignal.timeout(60_000);
  let sim: GenesysSimulator;
  /** Our clients, over HTTP, as the simulator's default client. */
  let ours: { readonly roles: RolesApi; readonly locations: LocationsApi };

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [{ id: EMEA, name: "EMEA" }],
      roles: [
        { id: AGENT, name: "Agent" },
        { id: LEAD, name: "Agent Lead" },
      ],
      locations: [{ id: PARIS, name: "Paris" }],
      skills: [{ id: BILLING, name: "Billing" }],
      languages: [{ id: FRENCH, name: "French" }],
      users: [
        { id: ANN, name: "Ann", email: "ann@example.com" },
        { id: BEN, name: "Ben", email: "ben@example.com" },
      ],
    });
    await sdkOn(sim);
    const http = simHttp(sim);
    ours = { roles: new RolesApi(http), locations: new LocationsApi(http) };
  });

  after(() => sdkOff(sim));

  it("getAuthorizationRoles with name and paging, getAuthorizationRole: the models' fields, our schema reads them", async () => {
    const listing = await authorization.getAuthorizationRoles({
      name: "Agent",
      pageSize: 100,
      pageNumber: 1,
    });
    assert.deepEqual(unknownFields(listing, ROLE_LISTING_FIELDS), []);
    assert.deepEqual(unknownFields(listing.entities?.[0], ROLE_FIELDS), []);
    assert.deepEqual(
      listingOf(GenesysRoleSchema)
        .parse(listing)
        .entities?.map((r) => r.name),
      ["Agent", "Agent Lead"],
    );
    const role = await authorization.getAuthorizationRole(LEAD);
    assert.deepEqual(unknownFields(role, ROLE_FIELDS), []);
  });

  it("getAuthorizationDivisionsHome: the Home division as AuthzDivision", async () => {
    const home = await authorization.getAuthorizationDivisionsHome();
    assert.deepEqual(unknownFields(home, DIVISION_FIELDS), []);
    assert.deepEqual([GenesysDivisionSchema.parse(home).id, home.homeDivision], [HOME_DIVISION_ID, true]);
  });

  it("postAuthorizationRole with SubjectDivisions (subjectType PC_USER) grants many users in one call and resolves with nothing", async () => {
    const body = {
      subjectIds: [ANN, BEN],
      divisionIds: [HOME_DIVISION_ID],
    } satisfies Models.SubjectDivisions;
    const answer: unknown = await authorization.postAuthorizationRole(AGENT, body, {
      subjectType: "PC_USER",
    });
    assert.ok(answer === undefined || answer === "", `no body: ${JSON.stringify(answer)}`);
    assert.deepEqual(sim.userGrants(BEN), [{ roleId: AGENT, divisionId: HOME_DIVISION_ID }]);
    const refused = await rejectedBody(
      authorization.postAuthorizationRole(AGENT, { subjectIds: [ANN, NO_ONE], divisionIds: [EMEA] }),
    );
    assert.deepEqual(classifiedAs("POST /api/v2/authorization/roles/{roleId}", refused).entityIds, [NO_ONE]);
  });

  it("postAuthorizationSubjectBulkadd and bulkremove with RoleDivisionGrants resolve with nothing", async () => {
    const grants = [{ roleId: LEAD, divisionId: EMEA }] satisfies RoleGrant[] & Models.RoleDivisionPair[];
    await authorization.postAuthorizationSubjectBulkadd(ANN, { grants }, { subjectType: "PC_USER" });
    assert.equal(sim.userGrants(ANN).length, 2);
    const removed: unknown = await authorization.postAuthorizationSubjectBulkremove(ANN, { grants });
    assert.ok(removed === undefined || removed === "", `no body: ${JSON.stringify(removed)}`);
    assert.deepEqual(sim.userGrants(ANN), [{ roleId: AGENT, divisionId: HOME_DIVISION_ID }]);
  });

  it("getAuthorizationSubject with includeDuplicates: AuthzSubject, its grants' role and division; our schema reads it", async () => {
    sim.grantUserRoles(BEN, [{ roleId: LEAD, divisionId: EMEA }]);
    const subject = await authorization.getAuthorizationSubject(BEN, { includeDuplicates: true });
    assert.deepEqual(unknownFields(subject, SUBJECT_FIELDS), []);
    for (const grant of subject.grants ?? []) {
      assert.deepEqual(unknownFields(grant, GRANT_FIELDS), []);
      assert.deepEqual(unknownFields(grant.role, GRANT_ROLE_FIELDS), []);
      assert.deepEqual(unknownFields(grant.division, DIVISION_FIELDS), []);
    }
    assert.deepEqual(
      AuthzSubjectSchema.parse(subject).grants?.map((g) => [g.subjectId, g.role.name, g.division.name]),
      [
        [BEN, "Agent", "Home"],
        [BEN, "Agent Lead", "EMEA"],
      ],
    );
    const missing = await rejectedBody(authorization.getAuthorizationSubject(NO_ONE));
    assert.equal(missing.status, 404);
  });

  it("getAuthorizationRoleSubjectgrants, paged: SubjectDivisionGrantsEntityListing; our listRoleSubjectGrants reads each envelope, a 404 as the role's", async () => {
    sim.grantUserRoles(ANN, [{ roleId: LEAD, divisionId: HOME_DIVISION_ID }]);
    sim.grantUserRoles(BEN, [{ roleId: LEAD, divisionId: HOME_DIVISION_ID }]);
    const page = await authorization.getAuthorizationRoleSubjectgrants(LEAD, { pageSize: 1, pageNumber: 1 });
    assert.deepEqual(unknownFields(page, SUBJECT_GRANTS_LISTING_FIELDS), []);
    for (const subject of page.entities ?? []) {
      assert.deepEqual(unknownFields(subject, SUBJECT_GRANTS_FIELDS), []);
      for (const division of subject.divisions ?? [])
        assert.deepEqual(unknownFields(division, REF_DIVISION_FIELDS), []);
    }
    assert.equal(page.entities?.length, 1);
    for (const subjectGrantsPageCount of [true, false]) {
      sim.configureRouting({ subjectGrantsPageCount });
      const read = await ours.roles.listRoleSubjectGrants(LEAD, signal);
      assert.deepEqual(
        [...read].map(([user, divisions]) => [user, [...divisions].sort()]),
        [
          [ANN, [HOME_DIVISION_ID]],
          [BEN, [EMEA, HOME_DIVISION_ID].sort()],
        ],
      );
    }
    sim.configureRouting({ subjectGrantsPageCount: true });
    const taken = [{ roleId: LEAD, divisionId: HOME_DIVISION_ID }];
    await authorization.postAuthorizationSubjectBulkremove(ANN, { grants: taken });
    await rejectedAsNotFound(
      "GET /api/v2/authorization/roles/{roleId}/subjectgrants",
      authorization.getAuthorizationRoleSubjectgrants(NO_ROLE),
      [NO_ROLE],
    );
    await assert.rejects(ours.roles.listRoleSubjectGrants(NO_ROLE, signal), notFoundAs("role", NO_ROLE));
  });

  it("postLocationsSearch (EXACT on name) and getLocation: LocationsSearchResponse, LocationDefinition", async () => {
    const found = await locations.postLocationsSearch({
      pageSize: 100,
      pageNumber: 1,
      query: [{ type: "EXACT", fields: ["name"], value: "Paris" }],
    });
    assert.deepEqual(unknownFields(found, SEARCH_FIELDS), []);
    assert.deepEqual(unknownFields(found.results[0], LOCATION_FIELDS), []);
    assert.deepEqual(
      LocationsSearchResponseSchema.parse(found).results?.map((l) => l.id),
      [PARIS],
    );
    const paris = await locations.getLocation(PARIS);
    assert.deepEqual(unknownFields(paris, LOCATION_FIELDS), []);
    assert.equal(GenesysLocationSchema.parse(paris).name, "Paris");
  });

  it("patchUser with locations, then getUsers with expand skills, languages, locations, authorization: the User model's fields", async () => {
    const body = { version: 1, locations: [{ id: PARIS, notes: "2nd floor" }] } satisfies UpdateUserBody;
    await users.patchUser(ANN, body);
    sim.assignUserSkills(ANN, { [BILLING]: 3 });
    sim.assignUserLanguages(ANN, { [FRENCH]: 5 });
    const listing = await users.getUsers({
      id: [ANN],
      state: "any",
      pageSize: 1,
      expand: ["skills", "languages", "locations", "authorization"],
    });
    const ann = listing.entities?.[0];
    assert.deepEqual(unknownFields(ann, USER_FIELDS), []);
    assert.deepEqual(unknownFields(ann?.locations?.[0], USER_LOCATION_FIELDS), []);
    assert.deepEqual(unknownFields(ann?.locations?.[0]?.locationDefinition, LOCATION_FIELDS), []);
    assert.deepEqual(unknownFields(ann?.authorization, USER_AUTHORIZATION_FIELDS), []);
    const parsed = GenesysUserSchema.parse(ann);
    assert.deepEqual(
      {
        skills: parsed.skills?.map((s) => [s.id, s.proficiency]),
        languages: parsed.languages?.map((s) => [s.id, s.proficiency]),
        locations: parsed.locations?.map((l) => [l.locationDefinition?.id, l.notes]),
        roles: parsed.authorization?.roles?.map((r) => r.name),
      },
      {
        skills: [[BILLING, 3]],
        languages: [[FRENCH, 5]],
        locations: [[PARIS, "2nd floor"]],
        roles: ["Agent"],
      },
    );
  });

  it("getAuthorizationRole of an unknown role: 404 naming it; our grantRole reads the role and throws RoutingObjectNotFoundError", async () => {
    await rejectedAsNotFound(
      "GET /api/v2/authorization/roles/{roleId}",
      authorization.getAuthorizationRole(NO_ROLE),
      [NO_ROLE],
    );
    const held = sim.userGrants(BEN);
    await assert.rejects(
      ours.roles.grantRole(NO_ROLE, [BEN], [HOME_DIVISION_ID], signal),
      notFoundAs("role", NO_ROLE),
    );
    assert.deepEqual(sim.userGrants(BEN), held);
  });

  it("getLocation of an unknown location: 404 naming it; our getLocation throws RoutingObjectNotFoundError", async () => {
    await rejectedAsNotFound("GET /api/v2/locations/{locationId}", locations.getLocation(NO_LOCATION), [
      NO_LOCATION,
    ]);
    await assert.rejects(
      ours.locations.getLocation(NO_LOCATION, signal),
      notFoundAs("location", NO_LOCATION),
    );
  });

  it("postAuthorizationSubjectBulkremove for an unknown user: 404; our removeUserGrants throws UserNotFoundError", async () => {
    const grants = [{ roleId: AGENT, divisionId: HOME_DIVISION_ID }] satisfies RoleGrant[] &
      Models.RoleDivisionPair[];
    await rejectedAsNotFound(
      "POST /api/v2/authorization/subjects/{subjectId}/bulkremove",
      authorization.postAuthorizationSubjectBulkremove(NO_ONE, { grants }),
      [],
    );
    await assert.rejects(ours.roles.removeUserGrants(NO_ONE, grants, signal), (e) => {
      assert.ok(e instanceof UserNotFoundError);
      assert.equal(e.status, 404);
      return true;
    });
  });
});
