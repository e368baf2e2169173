import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEY_SECRET, type LocalCloud, loadSeedFile, startLocalCloud } from '../index';
import { wholeNumberOption } from '../params';
import { type FunctionSpec, loadFunctionSpecs } from '../runner/s-yaml';

/** Functions the CLI serves from their bundles (npm run build) when they exist. */
const FUNCTIONS = ['whitelist', 'rotate-password', 'rotate-fleet'] as const;
const USAGE = 'usage: npm run emulator -- [--port <p>] [--seed <file.json>] [--activation-ms <n>]';

/** s.yaml's functions as `s deploy` would render them from this shell; none when it cannot be rendered. */
function specsOf(root: string): { specs: FunctionSpec[]; problem?: string } {
  try {
    return { specs: loadFunctionSpecs(join(root, 's.yaml')) };
  } catch (error) {
    return { specs: [], problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Each built bundle in the emulator's FC as FC runs it: isolated instances, one request at a time each,
 * with s.yaml's environmentVariables and FC's own variables as the instance's environment.
 */
function registerBundles(cloud: LocalCloud, root: string): string[] {
  const { specs, problem } = specsOf(root);
  const lines: string[] = problem ? [`  (s.yaml not rendered, functions get no environmentVariables: ${problem})`] : [];
  for (const name of FUNCTIONS) {
    const codeDir = join(root, 'dist', name);
    if (!existsSync(join(codeDir, 'index.js'))) {
      lines.push(`  ${name}: not built (run npm run build)`);
      continue;
    }
    const spec = specs.find((s) => s.name === name);
    const options = {
      codeDir,
      handler: 'index.handler',
      environmentVariables: spec?.environmentVariables ?? {},
      ...(spec && { timeout: spec.timeout, memory: spec.memorySize, asyncTask: spec.asyncTask }),
    };
    // Under its folder name and its s.yaml functionName (es-guard-<name>), which rotate-fleet invokes.
    cloud.fc.registerCode(name, options);
    cloud.fc.registerCode(`es-guard-${name}`, options);
    lines.push(`  ${name} (also es-guard-${name}): dist/${name}/index.js in isolated instances`);
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
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const seed = values.seed === undefined ? undefined : loadSeedFile(resolve(values.seed));
  const cloud = await startLocalCloud({
    port: wholeNumberOption('port', values.port ?? process.env['ESGUARD_LOCAL_PORT'], 8787),
    activationMs: wholeNumberOption('activation-ms', values['activation-ms'], 2000),
    ...(seed && { seed }),
    fc: { echoLogs: true },
  });
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
