// Bundles each function into one self-contained CommonJS file, dist/<name>/index.js, whose `handler`
// is what Function Compute 3.0 calls. The bench uses the same settings for its baseline (bench/).
import { build } from 'esbuild';
import { readdirSync, existsSync, writeFileSync, mkdirSync, renameSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const buildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // No keepNames: its wrappers cost ~7% of a bundle and 4-11% of its module load (measured). es-guard's
  // error classes declare their `name` as a string (shared/errors), so logs and FC's error type still read
  // `ValidationError`; test/build/error-names.test.ts checks it on the built bundles. The third-party
  // libraries built as lazy side files keep their names (lazyBuildOptions), since we do not know what in
  // them reads a class's name.
  keepNames: false,
  sourcemap: 'linked',
  legalComments: 'external',
  // @alicloud/fc2 requires proxy-agent only when a proxy is configured; FC never has one.
  external: ['proxy-agent'],
  logLevel: 'warning',
};

// Libraries a function needs only on a rare path are built as a file of their own beside index.js and
// required on first use: @alicloud/credentials' default chain (FC passes the role's keys in the context,
// so the chain is a fallback) is 94 KiB of the bundle and none of its cold start. @alicloud/fc2 (with
// axios, ali-oss and ws) serves only rotate-fleet deployments on the FC 2.0 API (FLEET_TRANSPORT=fc2).
// tablestore (the official SDK, with protobufjs and its compiled protocol) serves only the whitelist's writes.
export const lazyBuildOptions = { ...buildOptions, keepNames: true };

export const lazyModules = {
  '@alicloud/credentials': 'alicloud-credentials.js',
  '@alicloud/fc2': 'alicloud-fc2.js',
  tablestore: 'tablestore.js',
};

const lazyPlugin = {
  name: 'lazy-modules',
  setup(b) {
    const names = Object.keys(lazyModules).map((n) => n.replace(/[/@.-]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./${lazyModules[args.path]}`, external: true }));
  },
};

export function functionNames() {
  return readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'functions', d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

async function main() {
  const report = {};
  for (const name of functionNames()) {
    const outdir = join(root, 'dist', name);
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      ...buildOptions,
      entryPoints: [join(root, 'functions', name, 'index.ts')],
      outfile: join(outdir, 'index.js'),
      metafile: true,
      plugins: [lazyPlugin],
    });
    for (const [module, file] of Object.entries(lazyModules)) {
      if (
        !result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('index.js'))].imports.some(
          (i) => i.path === `./${file}`,
        )
      )
        continue;
      await build({
        ...lazyBuildOptions,
        stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: root, loader: 'js' },
        outfile: join(outdir, file),
      });
    }
    const bytes = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('index.js'))?.[1].bytes ?? 0;
    report[name] = bytes;
    // FC runs dist/<name> as its code package; a package.json pins it to CommonJS whatever the root says.
    writeFileSync(
      join(outdir, 'package.json'),
      JSON.stringify({ name: `es-guard-${name}`, private: true, type: 'commonjs', main: 'index.js' }, null, 2) + '\n',
    );
    // A function's shipped configuration (config/<name>.policy.json: lockdown's declared policy) goes into its package.
    const policy = join(root, 'config', `${name}.policy.json`);
    if (existsSync(policy)) copyFileSync(policy, join(outdir, `${name}.policy.json`));
  }
  report['cli'] = await buildCli();
  for (const [name, bytes] of Object.entries(report))
    console.log(`dist/${name}/${name === 'cli' ? 'es-guard' : 'index'}.js  ${(bytes / 1024).toFixed(1)} KiB`);
}

/**
 * The es-guard CLI (cli/index.ts) as one bundle on the same options, dist/cli/es-guard.js, with the same
 * lazy side files (the credentials chain, the Tablestore SDK) as the bundle needs them; bin/es-guard.js runs
 * it (and calls this when it is missing or stale).
 */
export async function buildCli() {
  const outdir = join(root, 'dist', 'cli');
  mkdirSync(outdir, { recursive: true });
  // Written by rename: the launcher may rebuild while another es-guard process is reading the bundle.
  const put = (result) => {
    for (const f of result.outputFiles) {
      writeFileSync(`${f.path}.${process.pid}.tmp`, f.contents);
      renameSync(`${f.path}.${process.pid}.tmp`, f.path);
    }
    return result;
  };
  const result = put(
    await build({
      ...buildOptions,
      entryPoints: [join(root, 'cli', 'index.ts')],
      outfile: join(outdir, 'es-guard.js'),
      metafile: true,
      write: false,
      plugins: [lazyPlugin],
      banner: { js: '#!/usr/bin/env node' },
    }),
  );
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  for (const [module, file] of Object.entries(lazyModules)) {
    if (!imports.includes(`./${file}`)) continue;
    put(
      await build({
        ...lazyBuildOptions,
        stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: root, loader: 'js' },
        outfile: join(outdir, file),
        write: false,
      }),
    );
  }
  writeFileSync(
    join(outdir, 'package.json'),
    JSON.stringify({ name: 'es-guard-cli', private: true, type: 'commonjs', main: 'es-guard.js' }, null, 2) + '\n',
  );
  return Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('es-guard.js'))?.[1].bytes ?? 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
