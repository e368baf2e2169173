import { isInstanceAllowed } from '../config';
import { secretNameFor } from '../rotation';
import { isInstanceId } from '../validation';
import type { FleetDeps } from './deps';
import { errorFields } from './due';
import { hasTag, type Listing, listTagged } from './inventory';
import type { RunRecord } from './summary';

/** A tagged instance rotate-fleet may rotate, and the secret that holds its password. */
export interface Candidate {
  readonly instanceId: string;
  readonly region: string;
  readonly secretName: string;
}

/** The fleet: every region's tagged instances, each checked again here before it is trusted. */
export async function listFleet(deps: FleetDeps, run: RunRecord): Promise<{ candidates: Candidate[]; tagged: number }> {
  const { settings } = deps;
  const { failed, skipped } = run;
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  let tagged = 0;
  for (const region of deps.regions) {
    let listing: Listing;
    try {
      listing = await listTagged(deps.apis(region).es, settings.tag, deps.deadline);
    } catch (error) {
      failed.push({ instanceId: undefined, region, stage: 'list', ...errorFields(error) });
      continue;
    }
    for (const instance of listing.instances) {
      const id = instance.instanceId;
      // One endpoint can serve several regions (ES_ENDPOINT): the same instance is then listed twice.
      if (seen.has(id)) continue;
      seen.add(id);
      if (!hasTag(instance, settings.tag)) {
        skipped.push({ instanceId: id, reason: 'untagged' });
        continue;
      }
      tagged += 1;
      if (!isInstanceId(id)) skipped.push({ instanceId: id, reason: 'invalid-instance-id' });
      else if (!isInstanceAllowed(settings.allowedInstanceIds, id)) skipped.push({ instanceId: id, reason: 'not-allowed' });
      // No change is possible on these; rotate-password would wait out its whole timeout, three times.
      else if (instance.status === 'inactive' || instance.status === 'invalid')
        skipped.push({ instanceId: id, reason: `instance-${instance.status}` });
      else candidates.push({ instanceId: id, region, secretName: secretNameFor(settings.secretNameTemplate, id) });
    }
  }
  return { candidates, tagged };
}
