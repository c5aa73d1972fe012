/**
 * Our routing clients (`RoutingApi`, `UserRoutingApi`, `QueueMembersApi`) against the simulator, over
 * HTTP, in every variant the simulator offers where Genesys's answers are undocumented (name filters,
 * refusals of unknown ids, removals of what a user lacks, what `joined=false` lists).
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AssignmentRefusedError,
  PermissionError,
  RoutingObjectNotFoundError,
  UserNotFoundError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import { MAX_MEMBERS_PER_CALL, QueueMembersApi } from "../../../lib/genesys/queue-members-api.ts";
import { RoutingApi } from "../../../lib/genesys/routing-api.ts";
import { MAX_PER_BULK_ASSIGNMENT, UserRoutingApi } from "../../../lib/genesys/user-routing-api.ts";
import { type GenesysSimulator, startGenesysSimulator } from "../../../sim/genesys-simulator.ts";
import { simHttp } from "../../helpers/sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000002001";
const BEN = "00000000-0000-4000-8000-000000002002";
const DEE = "00000000-0000-4000-8000-000000002003";
const NOBODY = "00000000-0000-4000-8000-0000000020ff";
const SUPPORT = "00000000-0000-4000-8000-000000002101";
const SUPPORT_STAR = "00000000-0000-4000-8000-000000002102";
const SALES_Q = "00000000-0000-4000-8000-000000002103";
const FRENCH = "00000000-0000-4000-8000-000000002201";
const NO_SKILL = "00000000-0000-4000-8000-0000000022ff";
const SKILLS = Array.from(
  { length: 60 },
  (_, i) => `00000000-0000-4000-8000-0000000023${String(i).padStart(2, "0")}`,
);

describe("routing calls of our clients against the simulator", () => {
  let sim: GenesysSimulator;
  const signal = AbortSignal.timeout(60_000);

  const apisFor = (permissions?: string[]) => {
    const http = simHttp(sim, permissions);
    return {
      routing: new RoutingApi(http),
      user: new UserRoutingApi(http),
      queues: new QueueMembersApi(http),
    };
  };
  let api: ReturnType<typeof apisFor>;
  const calls = (route: string) => sim.stats().byRoute[route] ?? 0;

  before(async () => {
    sim = await startGenesysSimulator({
      skills: [
        { id: SKILLS[0], name: "Billing" },
        { id: SKILLS[1], name: "billing" },
        { id: SKILLS[2], name: "Billing EMEA" },
        ...SKILLS.slice(3).map((id, i) => ({ id, name: `Skill ${String(i).padStart(2, "0")}` })),
      ],
      languages: [{ id: FRENCH, name: "French" }],
      queues: [
        { id: SUPPORT, name: "Support" },
        { id: SUPPORT_STAR, name: "*Support*" },
        { id: SALES_Q, name: "Sales" },
      ],
    });
    api = apisFor();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([
      { id: ANN, name: "Ann", email: "ann@example.com" },
      { id: BEN, name: "Ben", email: "ben@example.com" },
      { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
    ]);
    sim.configureRouting({
      skillNameFilter: "prefix",
      languageNameFilter: "contains",
      queueNameFilter: "pattern",
      unknownRoutingIds: 400,
      removeUnassigned: 204,
      queueMemberUnknownIds: 400,
      newMemberJoined: true,
      userQueuesJoinedFalse: "unjoined",
    });
    sim.clearFaults();
    sim.resetStats();
  });

  describe("lookups by name", () => {
    it("the exact name wins over names that share its prefix or differ in case, whatever the filter", async () => {
      for (const skillNameFilter of ["prefix", "contains", "exact"] as const) {
        sim.configureRouting({ skillNameFilter });
        assert.equal((await api.routing.findSkillByName("Billing", signal))?.id, SKILLS[0], skillNameFilter);
        assert.equal((await api.routing.findSkillByName("billing", signal))?.id, SKILLS[1], skillNameFilter);
      }
      assert.equal(
        await api.routing.findSkillByName("BILLING", signal),
        undefined,
        "two differ in case only",
      );
      assert.equal(
        (await api.routing.findSkillByName("billing emea", signal))?.id,
        SKILLS[2],
        "the only one in another case",
      );
      assert.equal(await api.routing.findSkillByName("Bill", signal), undefined);
    });

    it("a language by name (any filter); none: undefined", async () => {
      for (const languageNameFilter of ["contains", "prefix", "exact"] as const) {
        sim.configureRouting({ languageNameFilter });
        assert.equal((await api.routing.findLanguageByName("French", signal))?.id, FRENCH);
      }
      assert.equal(await api.routing.findLanguageByName("Fr", signal), undefined);
    });

    it("queues: a name with asterisks at its ends is matched exactly, though the API reads them as wildcards", async () => {
      assert.equal((await api.routing.findQueueByName("*Support*", signal))?.id, SUPPORT_STAR);
      assert.equal((await api.routing.findQueueByName("Support", signal))?.id, SUPPORT);
      assert.equal((await api.routing.getQueue(SALES_Q, signal)).name, "Sales");
      await assert.rejects(
        api.routing.getQueue(NOBODY, signal),
        (e) => e instanceof RoutingObjectNotFoundError && e.reasonCode === "genesys.queue.not.found",
      );
    });

    it("reads every page until the exact name turns up", async () => {
      sim.configureRouting({ skillNameFilter: "contains" });
      // Page size 500: one page holds every skill here; the listing is read once.
      assert.equal((await api.routing.findSkillByName("Skill 56", signal))?.id, SKILLS[59]);
      assert.equal(calls("getSkills"), 1);
    });
  });

  describe("a user's skills and languages", () => {
    it("assigns 60 skills in two calls of at most 50, reads them back over pages of 50", async () => {
      const skills = SKILLS.map((id, i) => ({ id, proficiency: i % 6 }));
      await api.user.assignUserSkills(ANN, skills, signal);
      assert.equal(calls("patchUserSkills"), Math.ceil(SKILLS.length / MAX_PER_BULK_ASSIGNMENT));
      const read = await api.user.getUserSkills(ANN, signal);
      assert.deepEqual(
        read.map((s) => [s.id, s.proficiency]).sort(),
        skills.map((s) => [s.id, s.proficiency]).sort(),
      );
      assert.equal(calls("getUserSkills"), 2);
    });

    it("a skill another call gave is kept; proficiency updated in place; a language rounded", async () => {
      sim.assignUserSkills(ANN, { [SKILLS[5] ?? ""]: 1 });
      await api.user.assignUserSkills(ANN, [{ id: SKILLS[6] ?? "", proficiency: 3 }], signal);
      await api.user.assignUserLanguages(ANN, [{ id: FRENCH, proficiency: 4.4 }], signal);
      assert.deepEqual(sim.userSkills(ANN), { [SKILLS[5] ?? ""]: 1, [SKILLS[6] ?? ""]: 3 });
      assert.deepEqual(
        (await api.user.getUserLanguages(ANN, signal)).map((l) => l.proficiency),
        [4],
      );
    });

    it("an unknown skill: AssignmentRefusedError naming it (400 or 404), nothing applied", async () => {
      for (const unknownRoutingIds of [400, 404] as const) {
        sim.configureRouting({ unknownRoutingIds });
        const given = [
          { id: SKILLS[0] ?? "", proficiency: 1 },
          { id: NO_SKILL, proficiency: 1 },
        ];
        await assert.rejects(
          api.user.assignUserSkills(ANN, given, signal),
          (e) =>
            e instanceof AssignmentRefusedError &&
            e.reasonCode === "genesys.skills.refused" &&
            e.objectIds.join() === NO_SKILL,
        );
      }
      assert.deepEqual(sim.userSkills(ANN), {});
    });

    it("an unknown or deleted user: UserNotFoundError on every call", async () => {
      const one = [{ id: SKILLS[0] ?? "", proficiency: 1 }];
      for (const userId of [NOBODY, DEE]) {
        await assert.rejects(api.user.assignUserSkills(userId, one, signal), UserNotFoundError);
        await assert.rejects(api.user.getUserLanguages(userId, signal), UserNotFoundError);
        await assert.rejects(api.user.removeUserSkill(userId, SKILLS[0] ?? "", signal), UserNotFoundError);
      }
    });

    it("a version mismatch on the bulk PATCH is retried (as Genesys's provider does), up to 3 attempts", async () => {
      const one = [{ id: SKILLS[0] ?? "", proficiency: 2 }];
      sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 409, count: 2 }] });
      await api.user.assignUserSkills(ANN, one, signal);
      assert.deepEqual(sim.userSkills(ANN), { [SKILLS[0] ?? ""]: 2 });
      sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 409, count: 3 }] });
      await assert.rejects(api.user.assignUserSkills(ANN, one, signal), VersionConflictError);
      assert.equal(calls("patchUserSkills"), 6);
    });

    it("removes one skill; one the user lacks is absent, whether the API answers 204 or 404", async () => {
      sim.assignUserSkills(ANN, { [SKILLS[1] ?? ""]: 1 });
      assert.equal(await api.user.removeUserSkill(ANN, SKILLS[1] ?? "", signal), "removed");
      assert.deepEqual(sim.userSkills(ANN), {});
      sim.configureRouting({ removeUnassigned: 404 });
      assert.equal(await api.user.removeUserSkill(ANN, SKILLS[1] ?? "", signal), "absent");
      assert.equal(await api.user.removeUserLanguage(ANN, FRENCH, signal), "absent");
    });

    it("a 403 names the permission of the SDK docs (routing:skill:assign)", async () => {
      const bare = apisFor(["routing:skill:view"]);
      await assert.rejects(
        bare.user.assignUserSkills(ANN, [{ id: SKILLS[0] ?? "", proficiency: 1 }], signal),
        (e) => {
          assert.ok(e instanceof PermissionError);
          assert.match(e.message, /give its role the permission routing:skill:assign/);
          return true;
        },
      );
      await assert.rejects(
        bare.user.removeUserLanguage(ANN, FRENCH, signal),
        /routing:skill:assign or routing:language:assign/,
      );
    });
  });

  describe("queue members", () => {
    it("adds many users in one call, removes them in one; a user's queues list joined and unjoined ones", async () => {
      await api.queues.addQueueMembers(SUPPORT, [ANN, BEN, ANN], signal);
      await api.queues.addQueueMembers(SALES_Q, [BEN], signal);
      assert.equal(calls("postQueueMembers"), 2);
      assert.deepEqual(sim.queueMembers(SUPPORT), { [ANN]: true, [BEN]: true });
      sim.configureRouting({ newMemberJoined: false });
      await api.queues.addQueueMembers(SUPPORT_STAR, [BEN], signal);
      const queues = await api.queues.getUserQueues(BEN, signal);
      assert.deepEqual(queues.map((q) => [q.name, q.joined]).sort(), [
        ["*Support*", false],
        ["Sales", true],
        ["Support", true],
      ]);
      sim.configureRouting({ userQueuesJoinedFalse: "all" });
      assert.equal(
        (await api.queues.getUserQueues(BEN, signal)).length,
        3,
        "the same when joined=false lists all",
      );
      assert.deepEqual((await api.queues.getUserQueues(BEN, signal, true)).map((q) => q.name).sort(), [
        "Sales",
        "Support",
      ]);
      await api.queues.removeQueueMembers(SUPPORT, [ANN, BEN], signal);
      assert.deepEqual(sim.queueMembers(SUPPORT), {});
      await api.queues.removeQueueMembers(SUPPORT, [], signal);
      assert.equal(calls("postQueueMembers"), 4, "no call for nobody");
    });

    it("lists a queue's members over pages of 100 (the listing gives no total)", async () => {
      const ids = Array.from(
        { length: 150 },
        (_, i) => `00000000-0000-4000-8000-0000000024${String(i).padStart(2, "0")}`,
      );
      sim.seedUsers(ids.map((id, i) => ({ id, name: `U${i}`, email: `u${i}@example.com` })));
      await api.queues.addQueueMembers(SALES_Q, ids.slice(0, 100), signal);
      await api.queues.addQueueMembers(SALES_Q, ids.slice(100), signal);
      const { members, complete } = await api.queues.listQueueMembers(SALES_Q, signal);
      assert.deepEqual(members.map((m) => m.id).sort(), [...ids].sort());
      assert.equal(complete, true);
      assert.equal(calls("getQueueMembers"), 3, "100, 50, then the empty page that ends it");
      // At most one page: the first hundred, and more may follow.
      const first = await api.queues.listQueueMembers(SALES_Q, signal, 1);
      assert.equal(first.members.length, 100);
      assert.equal(first.complete, false);
      assert.equal(calls("getQueueMembers"), 4);
      // Pages short of their size, without nextUri: only the empty page ends the listing.
      sim.configureRouting({ queueMemberPages: "short" });
      const short = await api.queues.listQueueMembers(SALES_Q, signal);
      assert.deepEqual(short.members.map((m) => m.id).sort(), [...ids].sort());
      assert.equal(calls("getQueueMembers"), 4 + 3, "99, 51, then the empty page");
      assert.equal((await api.queues.listQueueMembers(SALES_Q, signal, 2)).complete, false);
      // A listing that ignores pageNumber (paged by a cursor only): it stops at the repeat, not whole.
      sim.configureRouting({ queueMemberPages: "cursor" });
      const cursor = await api.queues.listQueueMembers(SALES_Q, signal);
      assert.deepEqual([cursor.members.length, cursor.complete], [100, false]);
      await assert.rejects(api.queues.addQueueMembers(SALES_Q, [...ids, ANN], signal), RangeError);
      assert.ok(MAX_MEMBERS_PER_CALL === 100);
    });

    it("unknown users: AssignmentRefusedError naming them (400 or 404); skipped: the others added", async () => {
      for (const queueMemberUnknownIds of [400, 404] as const) {
        sim.configureRouting({ queueMemberUnknownIds });
        await assert.rejects(
          api.queues.addQueueMembers(SUPPORT, [ANN, NOBODY, DEE], signal),
          (e) =>
            e instanceof AssignmentRefusedError &&
            e.reasonCode === "genesys.queue.members.refused" &&
            [...e.userIds].sort().join() === [DEE, NOBODY].sort().join(),
        );
      }
      assert.deepEqual(sim.queueMembers(SUPPORT), {});
      sim.configureRouting({ queueMemberUnknownIds: "skip" });
      await api.queues.addQueueMembers(SUPPORT, [ANN, NOBODY], signal);
      assert.deepEqual(sim.queueMembers(SUPPORT), { [ANN]: true });
    });

    it("an unknown queue: RoutingObjectNotFoundError; an unknown user's queues: UserNotFoundError", async () => {
      await assert.rejects(api.queues.addQueueMembers(NOBODY, [ANN], signal), RoutingObjectNotFoundError);
      await assert.rejects(api.queues.listQueueMembers(NOBODY, signal), RoutingObjectNotFoundError);
      await assert.rejects(api.queues.getUserQueues(NOBODY, signal), UserNotFoundError);
    });

    it("a 403 names routing:queue:edit or routing:queueMember:manage", async () => {
      const viewer = apisFor(["routing:queue:view"]);
      await assert.rejects(
        viewer.queues.addQueueMembers(SUPPORT, [ANN], signal),
        (e) =>
          e instanceof PermissionError && /routing:queue:edit or routing:queueMember:manage/.test(e.message),
      );
    });
  });
});
