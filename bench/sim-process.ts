/**
 * The child side of `remote-sim.ts`: the Genesys Cloud simulator in a process of its own. It answers
 * the parent's `{ id, method, args }` messages with `{ id, result }` or `{ id, error }`, and exits
 * when the parent disconnects (after `close`).
 */
import { type GenesysSimulator, startGenesysSimulator } from "../sim/genesys-simulator.ts";

interface Call {
  readonly id: number;
  readonly method: keyof GenesysSimulator;
  readonly args: unknown[];
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const sim = await startGenesysSimulator({ defaultClient: true });
process.on("message", (message: Call) => {
  const { id, method, args } = message;
  void (async () => {
    try {
      const member = sim[method];
      if (typeof member !== "function") throw new Error(`not a simulator method: ${String(method)}`);
      const result: unknown = await (member as (...a: unknown[]) => unknown).apply(sim, args);
      send({ id, result });
    } catch (error) {
      send({ id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
send({ ready: { apiUrl: sim.apiUrl, loginUrl: sim.loginUrl, port: sim.port } });
