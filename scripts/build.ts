/**
 * `npm run build`: everything `osls package` needs, in `dist/`.
 *
 * - `dist/sync.mjs` (+ `.map`): `functions/sync.ts` bundled with esbuild: ESM for Node 24, every
 *   dependency included (the AWS SDK too, so the deployed code runs the versions we test), a
 *   `createRequire` banner for CommonJS dependencies that call `require`.
 * - `dist/serverless-infra.json`: the resource definitions of `lib/infra/resources.ts`
 *   (`serverlessInfra()`), which serverless.yml reads with `${file(...)}`: osls can only load
 *   YAML, JSON or CommonJS.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { serverlessInfra } from "../lib/infra/resources.ts";

const root = join(import.meta.dirname, "..");
const dist = join(root, "dist");

const started = Date.now();
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { sync: join(root, "functions", "sync.ts") },
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node24",
  // Prefer the ESM builds of dual packages (better tree shaking of the AWS SDK).
  mainFields: ["module", "main"],
  sourcemap: true,
  sourcesContent: false,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  banner: {
    js: [
      "// Bundled by scripts/build.ts.",
      'import { createRequire as __bundleCreateRequire } from "node:module";',
      "const require = __bundleCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});

const infraFile = join(dist, "serverless-infra.json");
await writeFile(infraFile, `${JSON.stringify(serverlessInfra(), null, 2)}\n`);

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  console.log(`  ${file.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
console.log(`  ${relative(root, infraFile)}`);
console.log(`built in ${Date.now() - started} ms`);
