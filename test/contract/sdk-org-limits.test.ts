/**
 * Contract test: the simulator's org limits endpoint driven through Genesys's own JavaScript SDK
 * (`purecloud-platform-client-v2`, `OrganizationApi.getOrganizationsLimitsNamespace`). As in
 * sdk-users.test.ts, "the SDK accepts the answer" is: the call resolves, every field of the answer is a
 * field of the SDK's model (lists checked against `keyof Models.X` by tsc), and our reading of what the
 * SDK resolved with is the answer expected; errors reject with bodies our client classifies.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { PermanentGenesysError, PermissionError } from "../../lib/genesys/errors.ts";
import {
  LimitsEntityListingSchema,
  limitsOf,
  ORG_LIMITS_PERMISSION,
  PLATFORM_API_NAMESPACE,
} from "../../lib/genesys/org-limits.ts";
import { type GenesysSimulator, startGenesysSimulator } from "../../sim/genesys-simulator.ts";
import { asSdkClient, classifiedAs, rejectedBody, sdkOff, sdkOn, unknownFields } from "./sdk-answers.ts";

const LISTING_FIELDS = ["entities"] as const satisfies readonly (keyof Models.LimitsEntityListing)[];
const LIMIT_FIELDS = ["key", "namespace", "value"] as const satisfies readonly (keyof Models.Limit)[];
const classified = (body: Models.ErrorBody) =>
  classifiedAs("GET /api/v2/organizations/limits/namespaces/{namespace}", body);

describe("the simulator through Genesys's JavaScript SDK (OrganizationApi limits)", () => {
  const client = platformClient.ApiClient.instance;
  const organization = new platformClient.OrganizationApi(client);
  let sim: GenesysSimulator;
  let defaultToken: string;

  before(async () => {
    sim = await startGenesysSimulator();
    defaultToken = (await sdkOn(sim)).accessToken;
  });

  after(() => sdkOff(sim));

  it("getOrganizationsLimitsNamespace('platform.api'): a LimitsEntityListing that our schema reads", async () => {
    const listing = await organization.getOrganizationsLimitsNamespace(PLATFORM_API_NAMESPACE);
    assert.deepEqual(unknownFields(listing, LISTING_FIELDS), []);
    const entities = listing.entities ?? [];
    assert.ok(entities.length >= 2);
    for (const limit of entities) {
      assert.deepEqual(unknownFields(limit, LIMIT_FIELDS), [], `limit ${limit.key}`);
      assert.equal(limit.namespace, PLATFORM_API_NAMESPACE);
      assert.equal(typeof limit.value, "number");
    }
    assert.deepEqual(limitsOf(LimitsEntityListingSchema.parse(listing)), {
      kind: "read",
      perTokenPerMinute: 300,
      clientPerMinute: 3000,
    });
    assert.equal(sim.stats().byRoute.orgLimits, 1);
  });

  it("configured values come through the SDK as set; a key left out is absent from our reading", async () => {
    sim.setOrgLimits({ values: { "client.credentials.token.rate.per.minute": 900 } });
    try {
      const listing = await organization.getOrganizationsLimitsNamespace(PLATFORM_API_NAMESPACE);
      assert.deepEqual(listing, {
        entities: [
          { key: "client.credentials.token.rate.per.minute", namespace: PLATFORM_API_NAMESPACE, value: 900 },
        ],
      });
      assert.deepEqual(limitsOf(LimitsEntityListingSchema.parse(listing)), {
        kind: "read",
        perTokenPerMinute: 900,
      });
    } finally {
      sim.setOrgLimits({});
    }
  });

  it("an unknown namespace: rejected with a 404 error body, which our client classifies as permanent", async () => {
    const body = await rejectedBody(organization.getOrganizationsLimitsNamespace("no.such.namespace"));
    assert.equal(body.status, 404);
    assert.equal(body.code, "not.found");
    const error = classified(body);
    assert.ok(error instanceof PermanentGenesysError);
    assert.equal(error.reasonCode, "genesys.not.found");
  });

  it("a client without limits:organization:view where it is required: a 403 naming it", async () => {
    sim.setOrgLimits({ requirePermission: true });
    try {
      await asSdkClient(
        sim,
        { clientId: "no-limits", permissions: ["directory:user:edit"] },
        defaultToken,
        async () => {
          const body = await rejectedBody(
            organization.getOrganizationsLimitsNamespace(PLATFORM_API_NAMESPACE),
          );
          assert.equal(body.status, 403);
          assert.equal(body.code, "missing.any.permissions");
          const error = classified(body);
          assert.ok(error instanceof PermissionError);
          assert.deepEqual(error.namedPermissions, [ORG_LIMITS_PERMISSION]);
        },
      );
    } finally {
      sim.setOrgLimits({});
    }
  });
});
