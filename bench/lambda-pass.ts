/**
 * One sync pass of the deployed bundle, as Lambda runs it: `node bench/lambda-pass.ts <sync.mjs>
 * <budgetSeconds> <timeoutSeconds>` imports the bundle `npm run build` writes (`dist/sync.mjs`,
 * one file with every dependency), calls its `handler` with the schedule's event and a context whose
 * deadline is the function's timeout, and prints the pass's summary as JSON (what `genesys-user-sync
 * run` prints, from the same handler built from the sources). A cold start here loads what a Lambda
 * container loads: a third of the CPU of the sources (0.35 s against 0.9 s on the bench machine).
 */
import { pathToFileURL } from "node:url";
import { syntheticContext } from "../bin/commands/lambda-context.ts";

const [bundle, budget, timeout] = process.argv.slice(2);
if (bundle === undefined || budget === undefined || timeout === undefined) {
  console.error("usage: node bench/lambda-pass.ts <sync.mjs> <budgetSeconds> <timeoutSeconds>");
  process.exit(2);
}
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: ReturnType<typeof syntheticContext>) => Promise<unknown>;
};
const deadline = Date.now() + Number(timeout) * 1000;
const result = await handler(
  { budgetSeconds: Number(budget) },
  syntheticContext("genesys-user-sync-bench", deadline),
);
console.log(JSON.stringify(result));
