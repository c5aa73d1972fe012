#!/usr/bin/env node
// Installs DynamoDB Local (DynamoDBLocal.jar + DynamoDBLocal_lib) into node_modules/.cache/dynamodb-local.
//
// Runs as the root `postinstall`, so `npm ci` on a fresh clone sets it up. The jar ships inside the npm
// package `amplify-dynamodb-simulator`, whose ~280 MB of dependencies we do not want: we `npm pack` the
// tarball alone, check its integrity against a pinned sha512, and extract only `package/emulator/`.
//
// Plain JS with no dependencies (it runs before anything else is usable). Set SKIP_DYNAMODB_LOCAL=1 to
// skip (e.g. a deploy-only job). `local/dynamodb-local.ts` reads the same directory.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "amplify-dynamodb-simulator@2.9.30";
const INTEGRITY =
  "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, "node_modules", ".cache");
const targetDir = join(cacheDir, "dynamodb-local");
const jar = join(targetDir, "DynamoDBLocal.jar");

const log = (msg) => console.log(`[dynamodb-local] ${msg}`);

/** Thrown for the expected failures: printed without a stack trace. */
class InstallError extends Error {}
const fail = (msg) => {
  throw new InstallError(msg);
};

/**
 * The npm that is running this lifecycle script (npm_execpath under npm_node_execpath), so a nested
 * call uses the same npm version and config files; `npm` from PATH when run by hand.
 */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /\.[cm]?js$/.test(cli)) {
    return { cmd: process.env.npm_node_execpath || process.execPath, args: [cli], shell: false };
  }
  return { cmd: "npm", args: [], shell: process.platform === "win32" };
}

/**
 * The environment for the nested `npm pack`. Inside a lifecycle script npm exports its effective
 * config as npm_config_* variables; most must be kept (registry, cache, proxy, cafile, userconfig), but a
 * few change what `pack` does or where it writes. Those are dropped here and also overridden by flags.
 */
function packEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    const k = key.toLowerCase();
    if (
      k.startsWith("npm_config_") &&
      /^npm_config_(pack_destination|dry_run|json|global|location|prefix|local_prefix|workspaces?|include_workspace_root|ignore_scripts|foreground_scripts|loglevel|silent|parseable)$/.test(
        k,
      )
    ) {
      delete env[key];
    }
  }
  return env;
}

function sha512(file) {
  return new Promise((res, rej) => {
    const hash = createHash("sha512");
    createReadStream(file)
      .on("error", rej)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => res(`sha512-${hash.digest("base64")}`));
  });
}

async function main() {
  if (process.env.SKIP_DYNAMODB_LOCAL === "1") {
    log("SKIP_DYNAMODB_LOCAL=1: skipped");
    return;
  }
  if (existsSync(jar)) {
    log(`already installed in ${targetDir}`);
    return;
  }

  mkdirSync(cacheDir, { recursive: true });
  // The scratch dir sits next to the target (same file system) so the final rename is atomic.
  const work = mkdtempSync(join(cacheDir, "dynamodb-local-tmp-"));
  try {
    log(`fetching ${PACKAGE} (tarball only, ~55 MB)`);
    const npm = npmCommand();
    const packed = spawnSync(
      npm.cmd,
      [
        ...npm.args,
        "pack",
        PACKAGE,
        "--pack-destination",
        work,
        "--json",
        "--ignore-scripts",
        "--dry-run=false",
        "--global=false",
        "--workspaces=false",
        "--loglevel=error",
      ],
      { cwd: work, env: packEnv(), encoding: "utf8", shell: npm.shell, maxBuffer: 64 * 1024 * 1024 },
    );
    if (packed.error) fail(`could not run npm (${npm.cmd}): ${packed.error.message}`);
    if (packed.status !== 0) {
      fail(
        `\`npm pack ${PACKAGE}\` exited with ${packed.status ?? packed.signal}:\n${(packed.stderr || packed.stdout || "").trim()}`,
      );
    }
    const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    if (tarballs.length !== 1) {
      fail(
        `expected one tarball in ${work} after npm pack, found: ${readdirSync(work).join(", ") || "nothing"}`,
      );
    }
    const tarball = join(work, tarballs[0]);

    const actual = await sha512(tarball);
    if (actual !== INTEGRITY) {
      fail(`integrity mismatch for ${PACKAGE}:\n  expected ${INTEGRITY}\n  actual   ${actual}`);
    }

    const staging = join(work, "emulator");
    mkdirSync(staging);
    const untar = spawnSync(
      "tar",
      ["-xzf", tarball, "-C", staging, "--strip-components=2", "package/emulator"],
      { encoding: "utf8" },
    );
    if (untar.error) fail(`could not run tar: ${untar.error.message}`);
    if (untar.status !== 0) fail(`tar exited with ${untar.status ?? untar.signal}:\n${untar.stderr.trim()}`);
    if (!existsSync(join(staging, "DynamoDBLocal.jar")) || !existsSync(join(staging, "DynamoDBLocal_lib"))) {
      fail(`the tarball of ${PACKAGE} has no emulator/DynamoDBLocal.jar and emulator/DynamoDBLocal_lib`);
    }

    rmSync(targetDir, { recursive: true, force: true });
    renameSync(staging, targetDir);
    log(`installed in ${targetDir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(
    `[dynamodb-local] ERROR: ${error instanceof InstallError ? error.message : (error?.stack ?? error)}`,
  );
  console.error("[dynamodb-local] (set SKIP_DYNAMODB_LOCAL=1 to install without DynamoDB Local)");
  process.exitCode = 1;
});
