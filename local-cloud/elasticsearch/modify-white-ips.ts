import { invalidParameter } from '../errors';
import { type Operation, roa } from '../operation';
import { jsonBody } from '../request';
import { applyGroupChange, listEntries } from './group-rules';
import { DEFAULT_GROUP, type ModifyMode, WHITE_IP_TYPES, type WhiteIpGroup, type WhiteIpType } from './model';
import type { NetworkContext, NetworkOperationName } from './network';

/**
 * ModifyWhiteIps: every whitelist type through one call (POST /openapi/instances/{id}/actions/modify-white-ips,
 * body fields per the SDK's ModifyWhiteIpsRequest). Two forms, never both: the list form
 * (`whiteIpList` + `nodeType` + `networkType`) overwrites that type's Default group; the group form
 * (`whiteIpGroup` + `modifyMode`, which this API takes in the body) changes one named group.
 */

const MODES: readonly ModifyMode[] = ['Cover', 'Append', 'Delete'];

interface Change {
  readonly mode: ModifyMode;
  readonly type: WhiteIpType;
  readonly groupName: string;
  readonly listForm: boolean;
  readonly ips: readonly string[];
}

/** 0.0.0.0/0 and ::/0 are neither public nor private: the API page's own samples use them in both lists. */
function isAll(key: string): boolean {
  return key === '0.0.0.0/0' || key === '::/0';
}

/** RFC 1918, loopback and link-local for IPv4; ULA, loopback and link-local for IPv6. */
function isPrivate(key: string): boolean {
  const [address = '', prefixText = '0'] = key.split('/');
  const prefix = Number(prefixText);
  if (address.includes(':')) {
    const first = parseInt(address.split(':')[0] || '0', 16);
    return (prefix >= 7 && (first & 0xfe00) === 0xfc00) || (prefix >= 10 && (first & 0xffc0) === 0xfe80) || key === '0:0:0:0:0:0:0:1/128';
  }
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    (a === 10 && prefix >= 8) ||
    (a === 172 && b >= 16 && b <= 31 && prefix >= 12) ||
    (a === 192 && b === 168 && prefix >= 16) ||
    (a === 127 && prefix >= 8) ||
    (a === 169 && b === 254 && prefix >= 16)
  );
}

function cleanIps(field: string, value: unknown, type: WhiteIpType): string[] {
  const wantsPrivate = type.startsWith('PRIVATE');
  return listEntries(field, value, (ip, key) => {
    // The SDK's remarks: public whitelists take no private addresses, private whitelists no public ones.
    if (!isAll(key) && isPrivate(key) !== wantsPrivate) {
      throw invalidParameter(
        `${field} contains "${ip}": the ${wantsPrivate ? 'private' : 'public'} network whitelist does not accept ` +
          `${wantsPrivate ? 'public' : 'private'} IP addresses.`,
      );
    }
  });
}

const LIST_TYPES: Readonly<Record<string, WhiteIpType>> = {
  'WORKER/PRIVATE': 'PRIVATE_ES',
  'WORKER/PUBLIC': 'PUBLIC_ES',
  'KIBANA/PRIVATE': 'PRIVATE_KIBANA',
  'KIBANA/PUBLIC': 'PUBLIC_KIBANA',
};

export function parseModifyWhiteIps(body: Record<string, unknown>): Change {
  const modeValue = body['modifyMode'];
  if (modeValue !== undefined && (typeof modeValue !== 'string' || !(MODES as readonly string[]).includes(modeValue))) {
    throw invalidParameter(`modifyMode must be one of Cover, Append, Delete; got "${String(modeValue)}".`);
  }
  const mode = (modeValue as ModifyMode | undefined) ?? 'Cover';
  const hasList = body['whiteIpList'] !== undefined && body['whiteIpList'] !== null;
  const hasGroup = body['whiteIpGroup'] !== undefined && body['whiteIpGroup'] !== null;
  if (hasList && hasGroup) throw invalidParameter('whiteIpList and whiteIpGroup cannot be specified at the same time.');
  if (!hasList && !hasGroup) throw invalidParameter('Either whiteIpList or whiteIpGroup is required.');

  if (hasList) {
    const nodeType = body['nodeType'];
    const networkType = body['networkType'];
    if (nodeType === undefined || networkType === undefined)
      throw invalidParameter('nodeType and networkType are required with whiteIpList.');
    const type = LIST_TYPES[`${String(nodeType)}/${String(networkType)}`];
    if (type === undefined) throw invalidParameter('nodeType must be WORKER or KIBANA and networkType PRIVATE or PUBLIC.');
    return { mode, type, groupName: DEFAULT_GROUP, listForm: true, ips: cleanIps('whiteIpList', body['whiteIpList'], type) };
  }

  const group = body['whiteIpGroup'];
  if (typeof group !== 'object' || group === null || Array.isArray(group)) throw invalidParameter('whiteIpGroup must be an object.');
  const { groupName, ips, whiteIpType } = group as Record<string, unknown>;
  if (typeof groupName !== 'string' || groupName.trim() === '') throw invalidParameter('whiteIpGroup.groupName is required.');
  if (ips === undefined) throw invalidParameter('whiteIpGroup.ips is required.');
  if (whiteIpType !== undefined && !(WHITE_IP_TYPES as readonly unknown[]).includes(whiteIpType)) {
    throw invalidParameter(`whiteIpGroup.whiteIpType must be one of ${WHITE_IP_TYPES.join(', ')}; got "${String(whiteIpType)}".`);
  }
  const type = (whiteIpType as WhiteIpType | undefined) ?? 'PRIVATE_ES';
  return { mode, type, groupName, listForm: false, ips: cleanIps('whiteIpGroup.ips', ips, type) };
}

/** The seed page's group rules, applied within one whitelist type; other types are left as they are. */
export function applyModifyWhiteIps(groups: readonly WhiteIpGroup[], change: Change): WhiteIpGroup[] {
  return applyGroupChange(groups, {
    type: change.type,
    groupName: change.groupName,
    mode: change.mode,
    ips: change.ips,
    ...(change.listForm && {
      emptyCoverRefusal: 'whiteIpList cannot be empty with modifyMode Cover: the whitelist must keep at least one IP address.',
    }),
    appendCreates: change.listForm,
    emptyDeleteRefusal:
      `Deleting these IP addresses would leave the whitelist group ${change.groupName} empty; ` +
      'at least one IP address must be retained.',
  });
}

export function modifyWhiteIpsOperation(
  ctx: NetworkContext,
  idempotencyFor: (name: NetworkOperationName) => Operation['idempotency'],
): Operation {
  return {
    name: 'ModifyWhiteIps',
    service: 'elasticsearch',
    routes: [roa('2017-06-13', ['PATCH', 'POST'], '/openapi/instances/{InstanceId}/actions/modify-white-ips')],
    idempotency: idempotencyFor('ModifyWhiteIps'),
    handle(req) {
      const record = ctx.store.require(req.params['InstanceId'] ?? '');
      const change = parseModifyWhiteIps(jsonBody(req.body));
      ctx.store.assertWritable(record);
      record.groups = applyModifyWhiteIps(record.groups, change);
      ctx.applied(record, 'ModifyWhiteIps', req.requestId);
      ctx.trail?.record({
        eventName: 'ModifyWhiteIps',
        instanceId: record.instanceId,
        requestId: req.requestId,
        accessKeyId: req.caller.accessKeyId,
        requestParameters: { modifyMode: change.mode, whiteIpType: change.type, groupName: change.groupName },
      });
      return { json: { RequestId: req.requestId, Result: true } };
    },
  };
}
