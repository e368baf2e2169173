import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEY_SECRET, loadSeedFile, startLocalCloud, type FcHandler, type LocalCloud } from './index';

/** Functions the CLI serves from their bundles (npm run build) when they exist. */
const FUNCTIONS = ['whitelist', 'rotate-password', 'rotate-fleet'] as const;
const USAGE = 'usage: npm run emulator -- [--port <p>] [--seed <file.json>] [--activation-ms <n>]';

function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function registerBundles(cloud: LocalCloud, root: string): string[] {
  const requireBundle = createRequire(import.meta.url);
  const lines: string[] = [];
  for (const name of FUNCTIONS) {
    const file = join(root, 'dist', name, 'index.js');
    if (!existsSync(file)) {
      lines.push(`  ${name}: not built (run npm run build)`);
      continue;
    }
    const handler = (requireBundle(file) as { handler?: unknown }).handler;
    if (typeof handler !== 'function') {
      lines.push(`  ${name}: ${file} exports no handler`);
      continue;
    }
    // Under its folder name and its s.yaml functionName (es-guard-<name>), which rotate-fleet invokes.
    cloud.fc.register(name, handler as FcHandler);
    cloud.fc.register(`es-guard-${name}`, handler as FcHandler);
    lines.push(`  ${name} (also es-guard-${name}): dist/${name}/index.js`);
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      'activation-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const seed = values.seed === undefined ? undefined : loadSeedFile(resolve(values.seed));
  const cloud = await startLocalCloud({
    port: intOption('port', values.port ?? process.env['ESGUARD_LOCAL_PORT'], 8787),
    activationMs: intOption('activation-ms', values['activation-ms'], 2000),
    ...(seed && { seed }),
    fc: { echoLogs: true },
  });
  // The bundles run in this process and find the cloud the way deployed functions find theirs.
  Object.assign(process.env, cloud.env);
  const functions = registerBundles(cloud, root);

  const { accessKeyId, accessKeySecret } = cloud.accessKey;
  console.log(`local cloud listening on ${cloud.url} (ES_ENDPOINT, KMS_ENDPOINT, FC_ENDPOINT, ECS_ENDPOINT)`);
  console.log(`access key id: ${accessKeyId}`);
  // Only the built-in development default is printed; a configured secret stays private.
  if (accessKeySecret === DEFAULT_ACCESS_KEY_SECRET) console.log(`access key secret: ${accessKeySecret} (built-in local default)`);
  for (const instance of cloud.es.instances()) {
    const { url } = await cloud.es.endpoint(instance.instanceId);
    console.log(`instance ${instance.instanceId} (${instance.status}) data plane ${url}`);
  }
  console.log(`functions:\n${functions.join('\n')}`);

  const stop = (): void => {
    void cloud.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`local cloud failed to start: ${error instanceof Error ? error.message : String(error)}`);
  console.error(USAGE);
  process.exit(1);
});
