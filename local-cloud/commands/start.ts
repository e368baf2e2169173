// `npm start`: the functions of s.yaml on the local cloud, with their HTTP triggers, timers and an
// event bus endpoint, and copy-paste examples to call them.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEY_SECRET, loadSeedFile } from '../index';
import { wholeNumberOption } from '../params';
import { exampleLines, examples } from '../runner/examples';
import { type LocalStack, startLocalStack, tablestoreOf } from '../runner/stack';

const USAGE = `usage: npm start -- [--port <control port, default 9000>] [--cloud-port <default 8787>]
                 [--seed <file.json>] [--activation-ms <n, default 3000>] [--fire-timers]
                 [--auth function]   (HTTP triggers then require ACS3-HMAC-SHA256 signatures)`;

function banner(stack: LocalStack, auth: 'anonymous' | 'function'): string {
  const { cloud } = stack;
  const ids = cloud.es.instances().map((i) => i.instanceId);
  const key = cloud.accessKey;
  const ts = tablestoreOf(cloud);
  const list = examples(
    {
      httpTriggers: stack.httpTriggers,
      controlUrl: stack.controlUrl,
      cloudUrl: cloud.url,
      instances: [ids[0] ?? 'es-cn-local0001', ids[1] ?? ids[0] ?? 'es-cn-local0002'],
    },
    auth,
  );
  const lines = [
    '',
    'es-guard local stack',
    `  local cloud (ES, KMS, ECS, FC, EventBridge APIs): ${cloud.url}   access key id: ${key.accessKeyId}` +
      (key.accessKeySecret === DEFAULT_ACCESS_KEY_SECRET ? `   secret: ${key.accessKeySecret} (local default)` : ''),
    `  event bus (POST /events), timers, overview (GET /): ${stack.controlUrl}`,
    `  Tablestore (whitelist change records): ${ts.endpoint}   instance ${ts.instanceName}   table ${ts.table ?? '(none)'}` +
      `   (the CLI reads them with --stack ${stack.controlUrl})`,
    ...Object.entries(stack.httpTriggers).map(
      ([fn, url]) =>
        `  HTTP trigger ${fn.padEnd(26)} ${url}${auth === 'function' ? '   (authType function: requests must be signed)' : ''}`,
    ),
    ...stack.timers.map(
      (t) =>
        `  timer ${t.functionName}/${t.triggerName}: ${t.cron} (${t.enabled ? `next ${t.next}` : 'disabled in s.yaml; fire it by hand'})`,
    ),
    ...cloud.es
      .instances()
      .map(
        (i) => `  instance ${i.instanceId} (${i.status}): Elasticsearch ${stack.endpoints[i.instanceId] ?? '(no endpoint)'}   user elastic`,
      ),
    ...stack.notes.map((n) => `  note: ${n}`),
    '',
    auth === 'function'
      ? 'Try (HTTP triggers take only signed requests: the es-guard CLI signs with the key above; the control port is not a trigger):'
      : 'Try:',
    ...exampleLines(list).map((l) => `  ${l}`),
    '',
    'Function logs (one JSON object a line) follow. Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

function authOption(value: string | undefined): 'anonymous' | 'function' {
  if (value === undefined || value === 'anonymous') return 'anonymous';
  if (value === 'function') return 'function';
  throw new Error(`--auth must be anonymous or function, got "${value}"`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'cloud-port': { type: 'string' },
      seed: { type: 'string' },
      'activation-ms': { type: 'string' },
      'fire-timers': { type: 'boolean' },
      auth: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const started = performance.now();
  const auth = authOption(values.auth);
  const stack = await startLocalStack({
    root,
    controlPort: wholeNumberOption('port', values.port, 9000),
    cloudPort: wholeNumberOption('cloud-port', values['cloud-port'], 8787),
    activationMs: wholeNumberOption('activation-ms', values['activation-ms'], 3000),
    seed: loadSeedFile(resolve(values.seed ?? `${root}/local-cloud/seed.example.json`)),
    fireTimers: values['fire-timers'] === true,
    auth,
    echoLogs: true,
    // Elasticsearch whitelist and switch changes reach lockdown's ActionTrail trigger, as on EventBridge.
    actionTrail: true,
  });
  console.log(banner(stack, auth));
  console.log(`ready in ${Math.round(performance.now() - started)} ms`);
  const stop = (): void => void stack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
