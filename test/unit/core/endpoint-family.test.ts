import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENDPOINT_FAMILIES, familyOf } from "../../../lib/genesys/endpoint-family.ts";
import type { RouteFamily } from "../../../sim/genesys-simulator.ts";

describe("familyOf: the endpoint family of a call", () => {
  const cases: [method: string, path: string, family: string][] = [
    ["GET", "/api/v2/users?id=a&id=b&state=any", "users.read"],
    ["GET", "/api/v2/users/3f2b", "users.read"],
    ["PATCH", "/api/v2/users/3f2b", "users.write"],
    ["POST", "/api/v2/users/search", "users.search"],
    ["GET", "/api/v2/users/search?q64=abc", "users.search"],
    ["POST", "/api/v2/users", "users.create"],
    ["POST", "/api/v2/users/", "users.create"],
    ["GET", "/api/v2/authorization/divisions?name=EMEA&pageSize=100", "authorization"],
    ["GET", "/api/v2/authorization/divisions/home", "authorization"],
    ["POST", "/api/v2/authorization/divisions/d1/objects/USER", "authorization"],
    ["GET", "/api/v2/organizations/limits/namespaces/platform.api", "organization"],
    ["GET", "/api/v2/authorization/roles?name=Agent", "authorization"],
    ["POST", "/api/v2/authorization/roles/r1?subjectType=PC_USER", "authorization"],
    ["POST", "/api/v2/authorization/subjects/3f2b/bulkadd", "authorization"],
    ["GET", "/api/v2/users/3f2b/routingskills?pageSize=50", "routing.skills"],
    ["PATCH", "/api/v2/users/3f2b/routingskills/bulk", "routing.skills"],
    ["DELETE", "/api/v2/users/3f2b/routingskills/s1", "routing.skills"],
    ["PATCH", "/api/v2/users/3f2b/routinglanguages/bulk", "routing.languages"],
    ["DELETE", "/api/v2/users/3f2b/routinglanguages/l1", "routing.languages"],
    ["GET", "/api/v2/users/3f2b/queues?joined=true", "routing.queue.members"],
    ["POST", "/api/v2/routing/queues/q1/members?delete=true", "routing.queue.members"],
    ["GET", "/api/v2/routing/queues/q1/members?memberBy=user", "routing.queue.members"],
    ["GET", "/api/v2/routing/queues?name=Support", "routing"],
    ["GET", "/api/v2/routing/queues/q1", "routing"],
    ["GET", "/api/v2/routing/skills?name=Billing", "routing"],
    ["GET", "/api/v2/routing/languages", "routing"],
    ["POST", "/api/v2/locations/search", "locations"],
    ["GET", "/api/v2/locations/loc1", "locations"],
    ["GET", "/api/v2/telephony/providers/edges", "other"],
  ];
  for (const [method, path, family] of cases) {
    it(`${method} ${path} is ${family}`, () => {
      assert.equal(familyOf(method, path), family);
    });
  }

  it("a create is not a users.write (a limit on creates pauses no PATCH), a user's other sub-resource write is", () => {
    assert.equal(familyOf("POST", "/api/v2/users/3f2b/externalid"), "users.write");
    assert.equal(familyOf("POST", "/api/v2/users/3f2b/routingskills"), "routing.skills");
  });

  it("names every family the simulator limits (its FAMILY_OF groups the same routes)", () => {
    const simulated: Record<RouteFamily, true> = {
      "users.read": true,
      "users.write": true,
      "users.search": true,
      organization: true,
      "users.create": true,
      authorization: true,
      "routing.skills": true,
      "routing.languages": true,
      "routing.queue.members": true,
      routing: true,
      locations: true,
    };
    assert.deepEqual(ENDPOINT_FAMILIES.filter((f) => f !== "other").sort(), Object.keys(simulated).sort());
  });
});
