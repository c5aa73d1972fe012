/**
 * Contract test for routing: the simulator driven through Genesys's JavaScript SDK
 * (`purecloud-platform-client-v2`), every call our routing clients make: `RoutingApi.getRoutingSkills`,
 * `getRoutingLanguages`, `getRoutingQueues`, `getRoutingQueue`, `getRoutingQueueMembers`,
 * `postRoutingQueueMembers` (and `_delete`), `UsersApi.getUserRoutingskills`,
 * `getUserRoutinglanguages`, `patchUserRoutingskillsBulk`, `patchUserRoutinglanguagesBulk`,
 * `deleteUserRoutingskill`, `deleteUserRoutinglanguage`, `getUserQueues`. As in sdk-users.test.ts,
 * "the SDK accepts the answer" means: the call resolves, every field is a field of the SDK's model (the
 * lists below are checked against `keyof Models.X` by tsc), and our own schema reads it. The refusals
 * our clients rely on (an unknown queue, a skill the user lacks, a version mismatch, a missing
 * permission) are driven through the SDK too, and through our client (lib/genesys/*) over HTTP, which
 * must map the same answer to its typed error or value.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { PermissionError, VersionConflictError } from "../../lib/genesys/errors.ts";
import { QueueMembersApi } from "../../lib/genesys/queue-members-api.ts";
import {
  listingOf,
  QueueMemberSchema,
  RoutingLanguageSchema,
  RoutingQueueSchema,
  RoutingSkillSchema,
  UserRoutingEntrySchema,
} from "../../lib/genesys/routing-types.ts";
import { type ProficiencyAssignment, UserRoutingApi } from "../../lib/genesys/user-routing-api.ts";
import { type GenesysSimulator, startGenesysSimulator } from "../../sim/genesys-simulator.ts";
import { simHttp } from "../helpers/sim-http.ts";
import {
  asSdkClient,
  classifiedAs,
  ENTITY_LISTING_FIELDS,
  notFoundAs,
  rejectedAsNotFound,
  rejectedBody,
  sdkOff,
  sdkOn,
  unknownFields,
} from "./sdk-answers.ts";

const ANN = "00000000-0000-4000-8000-000000004001";
const BEN = "00000000-0000-4000-8000-000000004002";
const NO_ONE = "00000000-0000-4000-8000-0000000040ff";
const BILLING = "00000000-0000-4000-8000-000000004101";
const SALES = "00000000-0000-4000-8000-000000004102";
const FRENCH = "00000000-0000-4000-8000-000000004201";
const SUPPORT = "00000000-0000-4000-8000-000000004301";
const ESCALATIONS = "00000000-0000-4000-8000-000000004302";
const NO_QUEUE = "00000000-0000-4000-8000-0000000043ff";
const SKILL_ASSIGN = "routing:skill:assign";

const LISTING_FIELDS = ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.SkillEntityListing &
  keyof Models.LanguageEntityListing &
  keyof Models.QueueEntityListing &
  keyof Models.UserSkillEntityListing &
  keyof Models.UserLanguageEntityListing &
  keyof Models.UserQueueEntityListing)[];
const SKILL_FIELDS = [
  "id",
  "name",
  "dateModified",
  "state",
  "version",
  "selfUri",
] as const satisfies readonly (keyof Models.RoutingSkill & keyof Models.Language)[];
const QUEUE_FIELDS = [
  "id",
  "name",
  "division",
  "memberCount",
  "userMemberCount",
  "joinedMemberCount",
  "selfUri",
] as const satisfies readonly (keyof Models.Queue)[];
const USER_QUEUE_FIELDS = [...QUEUE_FIELDS, "joined"] as const satisfies readonly (keyof Models.UserQueue)[];
const USER_SKILL_FIELDS = [
  "id",
  "name",
  "proficiency",
  "state",
  "skillUri",
  "selfUri",
] as const satisfies readonly (keyof Models.UserRoutingSkill)[];
const USER_LANGUAGE_FIELDS = [
  "id",
  "name",
  "proficiency",
  "state",
  "languageUri",
  "selfUri",
] as const satisfies readonly (keyof Models.UserRoutingLanguage)[];
const MEMBER_LISTING_FIELDS = [
  "entities",
  "pageNumber",
  "pageSize",
  "firstUri",
  "selfUri",
  "nextUri",
  "previousUri",
] as const satisfies readonly (keyof Models.QueueMemberEntityListing)[];
const MEMBER_FIELDS = [
  "id",
  "name",
  "ringNumber",
  "joined",
  "memberBy",
  "selfUri",
] as const satisfies readonly (keyof Models.QueueMember)[];

describe("routing through Genesys's JavaScript SDK (RoutingApi, UsersApi)", () => {
  const client = platformClient.ApiClient.instance;
  const routing = new platformClient.RoutingApi(client);
  const users = new platformClient.UsersApi(client);
  const signal = AbortSignal.timeout(60_000);
  let sim: GenesysSimulator;
  let defaultToken: string;
  /** Our clients, over HTTP, as the simulator's default client. */
  let ours: { readonly queues: QueueMembersApi; readonly user: UserRoutingApi };

  before(async () => {
    sim = await startGenesysSimulator({
      skills: [
        { id: BILLING, name: "Billing" },
        { id: SALES, name: "Sales" },
      ],
      languages: [{ id: FRENCH, name: "French" }],
      users: [
        { id: ANN, name: "Ann", email: "ann@example.com" },
        { id: BEN, name: "Ben", email: "ben@example.com" },
      ],
      queues: [
        { id: SUPPORT, name: "Support", memberIds: [BEN] },
        { id: ESCALATIONS, name: "Escalations" },
      ],
    });
    defaultToken = (await sdkOn(sim)).accessToken;
    const http = simHttp(sim);
    ours = { queues: new QueueMembersApi(http), user: new UserRoutingApi(http) };
  });

  after(() => sdkOff(sim));

  it("getRoutingSkills, getRoutingLanguages, getRoutingQueues with name and paging: the models' fields, our schemas read them", async () => {
    const skills = await routing.getRoutingSkills({ name: "Bill", pageSize: 500, pageNumber: 1 });
    assert.deepEqual(unknownFields(skills, LISTING_FIELDS), []);
    assert.deepEqual(unknownFields(skills.entities?.[0], SKILL_FIELDS), []);
    assert.deepEqual(
      listingOf(RoutingSkillSchema)
        .parse(skills)
        .entities?.map((s) => s.id),
      [BILLING],
    );
    const languages = await routing.getRoutingLanguages({ name: "French", pageSize: 100, pageNumber: 1 });
    assert.deepEqual(unknownFields(languages.entities?.[0], SKILL_FIELDS), []);
    assert.equal(listingOf(RoutingLanguageSchema).parse(languages).entities?.[0]?.id, FRENCH);
    const queues = await routing.getRoutingQueues({ name: "Support", pageSize: 500, pageNumber: 1 });
    assert.deepEqual(unknownFields(queues.entities?.[0], QUEUE_FIELDS), []);
    assert.deepEqual(unknownFields(queues.entities?.[0]?.division, ["id", "name", "selfUri"]), []);
    assert.equal(listingOf(RoutingQueueSchema).parse(queues).entities?.[0]?.id, SUPPORT);
    const queue = await routing.getRoutingQueue(SUPPORT);
    assert.deepEqual(unknownFields(queue, QUEUE_FIELDS), []);
    assert.equal(RoutingQueueSchema.parse(queue).memberCount, 1);
  });

  it("patchUserRoutingskillsBulk with the body our client sends; getUserRoutingskills pages it back", async () => {
    const body = [
      { id: BILLING, proficiency: 4 },
      { id: SALES, proficiency: 2.5 },
    ] satisfies ProficiencyAssignment[] & Models.UserRoutingSkillPost[];
    const answer = await users.patchUserRoutingskillsBulk(ANN, body);
    assert.deepEqual(unknownFields(answer, LISTING_FIELDS), []);
    for (const entry of answer.entities ?? []) assert.deepEqual(unknownFields(entry, USER_SKILL_FIELDS), []);
    const page = await users.getUserRoutingskills(ANN, { pageSize: 50, pageNumber: 1 });
    assert.deepEqual(unknownFields(page, LISTING_FIELDS), []);
    assert.deepEqual(
      listingOf(UserRoutingEntrySchema)
        .parse(page)
        .entities?.map((s) => [s.id, s.name, s.proficiency]),
      [
        [BILLING, "Billing", 4],
        [SALES, "Sales", 2.5],
      ],
    );
  });

  it("patchUserRoutinglanguagesBulk and getUserRoutinglanguages: the languages' models; the proficiency rounded", async () => {
    const answer = await users.patchUserRoutinglanguagesBulk(ANN, [{ id: FRENCH, proficiency: 3.6 }]);
    assert.deepEqual(unknownFields(answer.entities?.[0], USER_LANGUAGE_FIELDS), []);
    const page = await users.getUserRoutinglanguages(ANN, { pageSize: 50, pageNumber: 1 });
    assert.deepEqual(unknownFields(page.entities?.[0], USER_LANGUAGE_FIELDS), []);
    assert.equal(UserRoutingEntrySchema.parse(page.entities?.[0]).proficiency, 4);
  });

  it("deleteUserRoutingskill and deleteUserRoutinglanguage resolve with nothing; an unknown skill's refusal names it", async () => {
    const removed: unknown = await users.deleteUserRoutingskill(ANN, SALES);
    assert.ok(removed === undefined || removed === "", `no body: ${JSON.stringify(removed)}`);
    assert.deepEqual(sim.userSkills(ANN), { [BILLING]: 4 });
    await users.deleteUserRoutinglanguage(ANN, FRENCH);
    assert.deepEqual(sim.userLanguages(ANN), {});
    const refused = await rejectedBody(
      users.patchUserRoutingskillsBulk(ANN, [{ id: NO_ONE, proficiency: 1 }]),
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(classifiedAs("PATCH /api/v2/users/{userId}/routingskills/bulk", refused).entityIds, [
      NO_ONE,
    ]);
  });

  it("postRoutingQueueMembers adds many users in one call and _delete removes them; both resolve with nothing", async () => {
    const body = [{ id: ANN }, { id: BEN }] satisfies Models.WritableEntity[];
    const added: unknown = await routing.postRoutingQueueMembers(ESCALATIONS, body);
    assert.ok(added === undefined || added === "", `no body: ${JSON.stringify(added)}`);
    assert.deepEqual(sim.queueMembers(ESCALATIONS), { [ANN]: true, [BEN]: true });
    await routing.postRoutingQueueMembers(ESCALATIONS, [{ id: ANN }], { _delete: true });
    assert.deepEqual(sim.queueMembers(ESCALATIONS), { [BEN]: true });
  });

  it("postRoutingQueueMembers naming an unknown user: the error body names it, so our client can refuse that user alone", async () => {
    const refused = await rejectedBody(
      routing.postRoutingQueueMembers(ESCALATIONS, [{ id: ANN }, { id: NO_ONE }]),
    );
    assert.equal(refused.status, 400);
    const error = classifiedAs("POST /api/v2/routing/queues/{queueId}/members", refused);
    assert.deepEqual(error.entityIds, [NO_ONE]);
  });

  it("getRoutingQueueMembers with memberBy=user: the QueueMemberEntityListing's fields (no total)", async () => {
    const page = await routing.getRoutingQueueMembers(SUPPORT, {
      pageSize: 100,
      pageNumber: 1,
      memberBy: "user",
    });
    assert.deepEqual(unknownFields(page, MEMBER_LISTING_FIELDS), []);
    assert.deepEqual(unknownFields(page.entities?.[0], MEMBER_FIELDS), []);
    assert.deepEqual(
      listingOf(QueueMemberSchema)
        .parse(page)
        .entities?.map((m) => [m.id, m.joined]),
      [[BEN, true]],
    );
    // The simulator's other pagings of the members (short pages; every page number the first): the
    // same envelope, which the SDK and our schema read alike.
    for (const queueMemberPages of ["short", "cursor"] as const) {
      sim.configureRouting({ queueMemberPages });
      const other = await routing.getRoutingQueueMembers(SUPPORT, {
        pageSize: 2,
        pageNumber: 2,
        memberBy: "user",
      });
      assert.deepEqual(unknownFields(other, MEMBER_LISTING_FIELDS), [], queueMemberPages);
      assert.ok(listingOf(QueueMemberSchema).safeParse(other).success, queueMemberPages);
    }
    sim.configureRouting({ queueMemberPages: "full" });
  });

  it("getUserQueues with joined true and false: UserQueue with joined", async () => {
    sim.configureRouting({ newMemberJoined: false });
    await routing.postRoutingQueueMembers(ESCALATIONS, [{ id: ANN }]);
    const joined = await users.getUserQueues(BEN, { pageSize: 100, pageNumber: 1, joined: true });
    assert.deepEqual(unknownFields(joined, LISTING_FIELDS), []);
    assert.deepEqual(unknownFields(joined.entities?.[0], USER_QUEUE_FIELDS), []);
    const unjoined = await users.getUserQueues(ANN, { pageSize: 100, pageNumber: 1, joined: false });
    assert.deepEqual(
      listingOf(RoutingQueueSchema)
        .parse(unjoined)
        .entities?.map((q) => [q.id, q.joined]),
      [[ESCALATIONS, false]],
    );
  });

  it("postRoutingQueueMembers on an unknown queue: 404 naming the queue; our addQueueMembers throws RoutingObjectNotFoundError", async () => {
    await rejectedAsNotFound(
      "POST /api/v2/routing/queues/{queueId}/members",
      routing.postRoutingQueueMembers(NO_QUEUE, [{ id: ANN }]),
      [NO_QUEUE],
    );
    await assert.rejects(ours.queues.addQueueMembers(NO_QUEUE, [ANN], signal), notFoundAs("queue", NO_QUEUE));
  });

  it("deleteUserRoutingskill of a skill the user lacks, answered 404: our removeUserSkill reads it as absent", async () => {
    sim.configureRouting({ removeUnassigned: 404 });
    try {
      await rejectedAsNotFound(
        "DELETE /api/v2/users/{userId}/routingskills/{skillId}",
        users.deleteUserRoutingskill(BEN, BILLING),
        [BILLING],
      );
      assert.equal(await ours.user.removeUserSkill(BEN, BILLING, signal), "absent");
      assert.deepEqual(sim.userSkills(BEN), {});
    } finally {
      sim.configureRouting({ removeUnassigned: 204 });
    }
  });

  it("patchUserRoutingskillsBulk meeting a version mismatch (409): our assignUserSkills retries it, then throws VersionConflictError", async () => {
    const body = [{ id: SALES, proficiency: 1 }] satisfies ProficiencyAssignment[] &
      Models.UserRoutingSkillPost[];
    sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 409 }] });
    const conflict = await rejectedBody(users.patchUserRoutingskillsBulk(BEN, body));
    assert.equal(conflict.status, 409);
    const operation = "PATCH /api/v2/users/{userId}/routingskills/bulk";
    assert.ok(classifiedAs(operation, conflict) instanceof VersionConflictError);
    sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 409, count: 3 }] });
    await assert.rejects(ours.user.assignUserSkills(BEN, body, signal), VersionConflictError);
    assert.deepEqual(sim.userSkills(BEN), {});
    sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 409, count: 2 }] });
    await ours.user.assignUserSkills(BEN, body, signal);
    assert.deepEqual(sim.userSkills(BEN), { [SALES]: 1 });
  });

  it("patchUserRoutingskillsBulk by a client without routing:skill:assign: a 403 naming it; our client's PermissionError names it", async () => {
    const viewer = { clientId: "skill-viewer", permissions: ["routing:skill:view"] };
    const body = [{ id: BILLING, proficiency: 5 }] satisfies ProficiencyAssignment[];
    await asSdkClient(sim, viewer, defaultToken, async () => {
      const refused = await rejectedBody(users.patchUserRoutingskillsBulk(ANN, body));
      assert.deepEqual([refused.status, refused.code], [403, "missing.any.permissions"]);
      const error = classifiedAs("PATCH /api/v2/users/{userId}/routingskills/bulk", refused);
      assert.ok(error instanceof PermissionError);
      assert.deepEqual(error.namedPermissions, [SKILL_ASSIGN]);
    });
    const before = sim.userSkills(ANN);
    const bare = new UserRoutingApi(simHttp(sim, viewer.permissions));
    await assert.rejects(bare.assignUserSkills(ANN, body, signal), (e) => {
      assert.ok(e instanceof PermissionError);
      assert.deepEqual(e.namedPermissions, [SKILL_ASSIGN]);
      assert.match(e.message, /give its role the permission routing:skill:assign/);
      return true;
    });
    assert.deepEqual(sim.userSkills(ANN), before);
  });
});
