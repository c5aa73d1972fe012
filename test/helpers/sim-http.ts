/**
 * Our HTTP client against the simulator, for tests that drive our Genesys clients (lib/genesys/*) over
 * HTTP: a client of its own, logged in through the simulator's /oauth/token, and no pacing (the rate
 * budget is not what these tests are about).
 */
import { GenesysHttp } from "../../lib/genesys/http-client.ts";
import { TokenProvider } from "../../lib/genesys/token-provider.ts";
import type { GenesysSimulator } from "../../sim/genesys-simulator.ts";

/**
 * A `GenesysHttp` for a new client of `sim`, holding `permissions`; without them the client holds the
 * simulator's default permissions (those of its default client).
 */
export function simHttp(sim: GenesysSimulator, permissions?: string[]): GenesysHttp {
  const clientId = `client-${Math.random().toString(36).slice(2, 8)}`;
  sim.addClient({ clientId, clientSecret: "s", ...(permissions === undefined ? {} : { permissions }) });
  const tokens = new TokenProvider({
    loginUrl: sim.loginUrl,
    credentials: async () => ({ clientId, clientSecret: "s" }),
  });
  return new GenesysHttp({
    apiUrl: sim.apiUrl,
    tokens,
    acquire: async () => 0,
    onRateLimited: async () => {},
  });
}
