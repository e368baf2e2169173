// es-guard whitelist: UpdatePrivateNetworkWhiteIps for HTTP callers and EventBridge automation.
// Triggers (s.yaml): HTTP `GET|POST /openapi/instances/{InstanceId}/private-network-white-ips`,
// EventBridge (requests and ECS state events). The logic lives in shared/whitelist.
import middy from '@middy/core';
import { fcLogging } from '../../shared/logging';
import { fcTrigger, type FcContext, type FcEvent } from '../../shared/triggers';
import { whitelistHandler } from '../../shared/whitelist';

export const handler = middy<FcEvent, unknown, Error, FcContext>().use(fcTrigger()).use(fcLogging()).handler<FcEvent>(whitelistHandler);
