/**
 * The simulator's locations over HTTP: the listing, one location, the search by name, and a user's
 * locations (set by a PATCH of the user, read with `expand=locations`).
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiLocation,
  type ApiUser,
  type GenesysSimulator,
  type LocationsSearchResponse,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import type { PagedListing } from "../../../sim/listing.ts";
import { call, errorOf, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000001201";
const PARIS = "00000000-0000-4000-8000-000000001301";
const PARIS_NORD = "00000000-0000-4000-8000-000000001302";
const BERLIN = "00000000-0000-4000-8000-000000001303";
const NOWHERE = "00000000-0000-4000-8000-0000000013ff";

describe("simulator: locations", () => {
  let sim: GenesysSimulator;
  let token: string;
  const search = async (query: unknown[], paging: object = {}): Promise<LocationsSearchResponse> => {
    const res = await call(sim, token, "POST", "/api/v2/locations/search", { query, ...paging });
    assert.equal(res.status, 200);
    return (await res.json()) as LocationsSearchResponse;
  };
  const patch = (body: object) => call(sim, token, "PATCH", `/api/v2/users/${ANN}`, body);

  before(async () => {
    sim = await startGenesysSimulator({
      locations: [
        { id: PARIS, name: "Paris" },
        { id: PARIS_NORD, name: "Paris Nord" },
        { id: BERLIN, name: "Berlin" },
      ],
    });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([{ id: ANN, name: "Ann", email: "ann@example.com", locations: [{ id: BERLIN }] }]);
    sim.configureDirectory({ userLocationsRendering: "definition" });
  });

  it("GET /api/v2/locations lists LocationDefinitions (no name filter); one location, or 404", async () => {
    const res = await call(sim, token, "GET", "/api/v2/locations?name=Paris");
    const listing = (await res.json()) as PagedListing<ApiLocation>;
    assert.deepEqual(
      listing.entities.map((l) => l.name),
      ["Berlin", "Paris", "Paris Nord"],
      "name is no filter of this listing",
    );
    assert.deepEqual(listing.entities[0], {
      id: BERLIN,
      name: "Berlin",
      state: "active",
      version: 1,
      selfUri: `/api/v2/locations/${BERLIN}`,
    });
    assert.equal((await call(sim, token, "GET", `/api/v2/locations/${PARIS}`)).status, 200);
    await errorOf(await call(sim, token, "GET", `/api/v2/locations/${NOWHERE}`), 404, "not.found");
  });

  it("the search: EXACT on name (any case), CONTAINS, paging; another type is 400", async () => {
    const exact = await search([{ type: "EXACT", fields: ["name"], value: "paris" }]);
    assert.deepEqual([exact.total, exact.results.map((l) => l.id), exact.types], [1, [PARIS], ["locations"]]);
    const contains = await search([{ type: "CONTAINS", fields: ["name"], value: "Paris" }], {
      pageSize: 1,
      pageNumber: 2,
    });
    assert.deepEqual(
      [contains.total, contains.pageCount, contains.results.map((l) => l.name)],
      [2, 2, ["Paris Nord"]],
    );
    const res = await call(sim, token, "POST", "/api/v2/locations/search", {
      query: [{ type: "QUERY_STRING", fields: ["name"], value: "x" }],
    });
    await errorOf(res, 400, "bad.request");
  });

  it("PATCH locations replaces the user's list (version up); expand=locations renders locationDefinition, or id", async () => {
    const res = await patch({ version: 1, locations: [{ id: PARIS, notes: "3rd floor" }] });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as ApiUser).version, 2);
    const read = async () =>
      ((await (await call(sim, token, "GET", `/api/v2/users/${ANN}?expand=locations`)).json()) as ApiUser)
        .locations;
    assert.deepEqual(await read(), [
      {
        locationDefinition: {
          id: PARIS,
          name: "Paris",
          state: "active",
          version: 1,
          selfUri: `/api/v2/locations/${PARIS}`,
        },
        notes: "3rd floor",
      },
    ]);
    sim.configureDirectory({ userLocationsRendering: "id" });
    assert.deepEqual(await read(), [{ id: PARIS, notes: "3rd floor" }]);
    assert.equal((await patch({ version: 2, locations: [] })).status, 200);
    assert.deepEqual(await read(), [], "[] removes every location");
  });

  it("a location id the org does not have refuses the PATCH with 400 naming it", async () => {
    const body = await errorOf(await patch({ version: 1, locations: [{ id: NOWHERE }] }), 400, "bad.request");
    assert.deepEqual(
      body.details.map((d) => d.entityId),
      [NOWHERE],
    );
    assert.equal(sim.getUser(ANN)?.version, 1);
  });
});
