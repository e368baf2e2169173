// `npm start`: the functions of s.yaml on the local cloud, with their HTTP triggers, timers and an
// event bus endpoint, and copy-paste examples to call them.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEY_SECRET, loadSeedFile } from './index';
import { startLocalStack, type LocalStack } from './runner/stack';

const USAGE = `usage: npm start -- [--port <control port, default 9000>] [--cloud-port <default 8787>]
                 [--seed <file.json>] [--activation-ms <n, default 3000>] [--fire-timers]
                 [--auth function]   (HTTP triggers then require ACS3-HMAC-SHA256 signatures)`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

function banner(stack: LocalStack): string {
  const { cloud } = stack;
  const wl = stack.httpTriggers['es-guard-whitelist'];
  const rp = stack.httpTriggers['es-guard-rotate-password'];
  const fl = stack.httpTriggers['es-guard-rotate-fleet'];
  const id = cloud.es.instances()[0]?.instanceId ?? 'es-cn-local0001';
  const key = cloud.accessKey;
  const lines = [
    '',
    'es-guard local stack',
    `  local cloud (ES, KMS, ECS, FC APIs): ${cloud.url}   access key id: ${key.accessKeyId}` + (key.accessKeySecret === DEFAULT_ACCESS_KEY_SECRET ? `   secret: ${key.accessKeySecret} (local default)` : ''),
    `  event bus and timers:                ${stack.controlUrl}`,
    ...Object.entries(stack.httpTriggers).map(([fn, url]) => `  HTTP trigger ${fn.padEnd(26)} ${url}`),
    ...stack.timers.map((t) => `  timer ${t.functionName}/${t.triggerName}: ${t.cron} (${t.enabled ? `next ${t.next}` : 'disabled in s.yaml; fire it by hand'})`),
    ...cloud.es.instances().map((i) => `  instance ${i.instanceId}: ${i.status}`),
    '',
    'Try:',
    `  curl -s ${wl}/openapi/instances/${id}/private-network-white-ips`,
    `  curl -s -X POST '${wl}/openapi/instances/${id}/private-network-white-ips?modifyMode=Append' -H 'content-type: application/json' -d '{"privateNetworkIpWhiteList":["10.0.8.15"]}'`,
    `  curl -s -X POST '${wl}/openapi/instances/${id}/private-network-white-ips?modifyMode=Cover&dryRun=true' -H 'content-type: application/json' -d '{"whiteIpGroup":{"groupName":"apps","ips":["10.0.9.0/24"]}}'`,
    `  curl -s -X POST ${rp}/openapi/instances/${id}/admin-pwd`,
    `  curl -s -X POST ${stack.controlUrl}/events -H 'content-type: application/json' -d '{"source":"acs.automation","type":"es-guard:whitelist:change","data":{"instanceId":"${id}","modifyMode":"Append","privateNetworkIpWhiteList":["10.0.8.16"]}}'`,
    `  curl -s -X POST ${stack.controlUrl}/events -H 'content-type: application/json' -d '{"source":"es-guard.incident","type":"es-guard:rotate","data":{"instanceId":"${id}"}}'`,
    ...(fl ? [`  curl -s -X POST ${stack.controlUrl}/timers/es-guard-rotate-fleet/schedule`] : []),
    `  curl -s ${stack.controlUrl}/`,
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
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const stack = await startLocalStack({
    root,
    controlPort: int('port', values.port, 9000),
    cloudPort: int('cloud-port', values['cloud-port'], 8787),
    activationMs: int('activation-ms', values['activation-ms'], 3000),
    seed: loadSeedFile(resolve(values.seed ?? `${root}/local-cloud/seed.example.json`)),
    fireTimers: values['fire-timers'] === true,
    auth: authOption(values.auth),
    echoLogs: true,
  });
  console.log(banner(stack));
  if (values.auth === 'function') console.log('HTTP triggers are authType function: unsigned curl calls get 400/403; sign requests with ACS3-HMAC-SHA256 and the key above (any Alibaba Cloud SDK\'s generic call, or shared/api ApiClient).\n');
  const stop = (): void => void stack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
