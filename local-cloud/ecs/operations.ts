import { ApiFaultError, invalidParameter, missingParameter } from '../errors';
import { type Operation, type OperationRequest, rpc } from '../operation';
import { jsonArrayParam, positiveIntParam } from '../params';
import type { EcsInstanceRecord, EcsInventory } from './inventory';

function jsonStringArray(req: OperationRequest, name: string, code: string, max: number): string[] | undefined {
  const invalid = () => new ApiFaultError(400, code, `The specified parameter ${name} is not valid: it must be a JSON array of strings.`);
  const parsed = jsonArrayParam(req.params[name], { notJson: invalid, notArray: invalid });
  if (parsed === undefined) return undefined;
  if (!parsed.every((s) => typeof s === 'string')) throw invalid();
  if (parsed.length > max) throw new ApiFaultError(400, code, `The specified parameter ${name} may list at most ${max} values.`);
  return parsed as string[];
}

function pageParam(req: OperationRequest, name: string, fallback: number, max: number): number {
  return positiveIntParam(req.params[name], fallback, max, () =>
    invalidParameter(`The specified parameter ${name} is not valid: it must be an integer from 1 to ${max}.`),
  );
}

/** One item of DescribeInstances' `Instances.Instance`, in the real response's shape. */
function item(r: EcsInstanceRecord): Record<string, unknown> {
  const primary = r.privateIpAddress[0] ?? '';
  return {
    InstanceId: r.instanceId,
    InstanceName: r.instanceName,
    HostName: r.instanceName,
    RegionId: r.regionId,
    ZoneId: r.zoneId,
    Status: r.status,
    InstanceType: 'ecs.g7.large',
    InstanceNetworkType: 'vpc',
    CreationTime: r.creationTime,
    OSType: 'linux',
    Cpu: 2,
    Memory: 8192,
    VpcAttributes: { VpcId: r.vpcId, VSwitchId: r.vswitchId, NatIpAddress: '', PrivateIpAddress: { IpAddress: [...r.privateIpAddress] } },
    NetworkInterfaces: {
      NetworkInterface: primary
        ? [
            {
              NetworkInterfaceId: `eni-${r.instanceId.replace(/^i-/, '')}`,
              Type: 'Primary',
              PrimaryIpAddress: primary,
              PrivateIpSets: { PrivateIpSet: r.privateIpAddress.map((ip, i) => ({ PrivateIpAddress: ip, Primary: i === 0 })) },
            },
          ]
        : [],
    },
    PublicIpAddress: { IpAddress: [] },
    EipAddress: { AllocationId: '', IpAddress: '', InternetChargeType: '' },
    SecurityGroupIds: { SecurityGroupId: ['sg-local0001'] },
    Tags: { Tag: r.tags.map((t) => ({ TagKey: t.tagKey, TagValue: t.tagValue })) },
  };
}

/** ECS 2014-05-26 DescribeInstances (RPC). Unknown IDs are simply absent from the answer, as on ECS. */
export function ecsOperations(inventory: EcsInventory): Operation[] {
  return [
    {
      name: 'DescribeInstances',
      service: 'ecs',
      routes: [rpc('2014-05-26')],
      handle(req) {
        const regionId = req.params['RegionId'];
        if (regionId === undefined || regionId === '') throw missingParameter('RegionId');
        const ids = jsonStringArray(req, 'InstanceIds', 'InvalidInstanceIds.Malformed', 100);
        // "PrivateIpAddresses ... takes effect when InstanceNetworkType is set to vpc" (ECS SDK remark,
        // DescribeInstancesRequest): without it the filter is ignored, as on ECS.
        const networkType = req.params['InstanceNetworkType'];
        if (networkType !== undefined && networkType !== '' && networkType !== 'vpc' && networkType !== 'classic') {
          throw invalidParameter(`The specified parameter InstanceNetworkType is not valid: it must be vpc or classic.`);
        }
        const ips = networkType === 'vpc' ? jsonStringArray(req, 'PrivateIpAddresses', 'InvalidParameter', 100) : undefined;
        const status = req.params['Status'];
        const vpcId = req.params['VpcId'];
        const pageNumber = pageParam(req, 'PageNumber', 1, 100_000);
        const pageSize = pageParam(req, 'PageSize', 10, 100);
        const matches = inventory.all().filter(
          (r) =>
            r.regionId === regionId &&
            // Every emulated instance is in a VPC; the classic network is retired.
            networkType !== 'classic' &&
            (!ids || ids.includes(r.instanceId)) &&
            (!ips || r.privateIpAddress.some((ip) => ips.includes(ip))) &&
            (!status || r.status === status) &&
            (!vpcId || r.vpcId === vpcId),
        );
        const page = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          json: {
            RequestId: req.requestId,
            TotalCount: matches.length,
            PageNumber: pageNumber,
            PageSize: pageSize,
            NextToken: '',
            Instances: { Instance: page.map(item) },
          },
        };
      },
    },
  ];
}
