import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as $ES from '@alicloud/elasticsearch20170613';
import type { ActionTrailEvent, LocalCloud, WhiteIpGroup } from '../../local-cloud';
import type { FcContext } from '../../shared/triggers';
import { esClient } from '../local-cloud/support';
import type { Handler } from '../support/fc';
import { httpEvent, timerEvent } from '../support/fc';
import { contextFor, event, type HttpAnswer, httpAnswer } from '../support/functions';

const requireBundle = createRequire(__filename);

/** dist/lockdown/index.js as FC runs it (`npm run build` first; `npm test` does). */
export function loadLockdown(): Handler {
  const mod = requireBundle(join(__dirname, '..', '..', 'dist', 'lockdown', 'index.js')) as { handler?: Handler };
  if (typeof mod.handler !== 'function') throw new Error('dist/lockdown/index.js exports no handler');
  return mod.handler;
}

/** A console user: their own access key, the official SDK, nothing of es-guard. */
export const CONSOLE_KEY = { accessKeyId: 'console-user', accessKeySecret: 'console-user-secret' };
export const ES_GUARD_KEY = { accessKeyId: 'es-guard-role', accessKeySecret: 'es-guard-role-secret' };

export function consoleUser(cloud: LocalCloud) {
  const sdk = esClient(cloud, CONSOLE_KEY);
  return {
    openEsPublic: (id: string) =>
      sdk.triggerNetwork(id, new $ES.TriggerNetworkRequest({ nodeType: 'WORKER', networkType: 'PUBLIC', actionType: 'OPEN' })),
    openKibanaPublic: (id: string) =>
      sdk.triggerNetwork(id, new $ES.TriggerNetworkRequest({ nodeType: 'KIBANA', networkType: 'PUBLIC', actionType: 'OPEN' })),
    closeKibanaPrivate: (id: string) =>
      sdk.triggerNetwork(id, new $ES.TriggerNetworkRequest({ nodeType: 'KIBANA', networkType: 'PRIVATE', actionType: 'CLOSE' })),
    closeHttps: (id: string) => sdk.closeHttps(id, new $ES.CloseHttpsRequest({})),
    coverGroup: (id: string, groupName: string, ips: string[], whiteIpType: string) =>
      sdk.modifyWhiteIps(id, new $ES.ModifyWhiteIpsRequest({ modifyMode: 'Cover', whiteIpGroup: { groupName, ips, whiteIpType } })),
    describe: async (id: string) => (await sdk.describeInstance(id)).body!.result!,
  };
}

export function context(cloud: LocalCloud, timeoutSec = 60): FcContext {
  const c = contextFor(cloud, 'es-guard-lockdown', timeoutSec);
  return { ...c, credentials: { ...ES_GUARD_KEY, securityToken: '' } };
}

export async function http(
  handler: Handler,
  cloud: LocalCloud,
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string> = {},
): Promise<HttpAnswer> {
  return httpAnswer(await handler(event(httpEvent({ method, rawPath: path, queryParameters: query, body: '' })), context(cloud)));
}

export async function timer(handler: Handler, cloud: LocalCloud, payload = '{}'): Promise<unknown> {
  return handler(event(timerEvent(payload, 'lockdown-sweep')), context(cloud));
}

/** An ActionTrail event as the Default bus hands it to an FC trigger: one CloudEvent per invocation. */
export async function deliver(handler: Handler, cloud: LocalCloud, e: ActionTrailEvent): Promise<unknown> {
  return handler(event(e), context(cloud));
}

export const GROUPS: readonly WhiteIpGroup[] = [
  // What Terraform manages (the Default group of each type) and a team's own group: never es-guard's.
  { groupName: 'default', ips: ['192.168.0.0/24'], whiteIpType: 'PRIVATE_ES' },
  { groupName: 'team_a', ips: ['10.20.0.0/16'], whiteIpType: 'PRIVATE_ES' },
  { groupName: 'default', ips: ['192.168.0.0/24'], whiteIpType: 'PRIVATE_KIBANA' },
  { groupName: 'default', ips: ['203.0.113.0/24'], whiteIpType: 'PUBLIC_KIBANA' },
  { groupName: 'default', ips: ['198.51.100.0/24'], whiteIpType: 'PUBLIC_ES' },
  // es-guard's own group, as declared.
  { groupName: 'es_guard', ips: ['10.1.0.0/24', '192.168.10.0/24'], whiteIpType: 'PRIVATE_ES' },
];

/**
 * The switches as policy() declares them. Seeds start from these (rather than the emulator's unseeded
 * defaults, where Kibana public access is on) so that each test opens exactly what it means to.
 */
export const COMPLIANT_NETWORK = {
  enablePublic: false,
  enableKibanaPublicNetwork: false,
  enableKibanaPrivateNetwork: true,
  protocol: 'HTTPS',
} as const;

/** The policy the tests ship: es-guard owns `es_guard` (PRIVATE_ES) and `es_guard_office` (PUBLIC_KIBANA, must not exist). */
export function policy(instanceIds: readonly string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    policies: [
      {
        name: 'locked',
        select: { instanceIds, tags: [{ tagKey: 'lockdown', tagValue: 'on' }] },
        exposure: { elasticsearchPublic: false, kibanaPublic: false, kibanaPrivate: true, https: true },
        whitelists: {
          PRIVATE_ES: {
            groups: { es_guard: { entries: ['10.1.0.0/24', '192.168.10.0/24'] } },
            rules: { minPrefixV4: 16 },
            keep: ['192.168.10.0/24'],
          },
          PUBLIC_KIBANA: { groups: { es_guard_office: { entries: [] } } },
        },
        ...extra,
      },
    ],
  });
}

export type { Handler } from '../support/fc';
