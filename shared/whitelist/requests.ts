import { parseWhitelistHttpRequest, parseWhitelistRequest, type WhitelistRequest } from '../validation';
import type { SourcedChange } from './coalesce';

/** The validated request (canonical entries, defaults applied) as a change of one group or the list. */
export function changeOf(req: WhitelistRequest, source: string): SourcedChange {
  return req.whiteIpGroup !== undefined
    ? { instanceId: req.instanceId, mode: req.modifyMode, target: { kind: 'group', groupName: req.whiteIpGroup.groupName }, ips: req.whiteIpGroup.ips, source }
    : { instanceId: req.instanceId, mode: req.modifyMode, target: { kind: 'list' }, ips: req.privateNetworkIpWhiteList, source };
}

export function parseEventRequest(data: unknown): WhitelistRequest {
  return parseWhitelistRequest(data);
}

export function parseHttpRequest(params: Record<string, string>, body: unknown): WhitelistRequest {
  return parseWhitelistHttpRequest(params, body);
}
