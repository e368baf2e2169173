import type { ElasticsearchApi, InstanceDescription } from '../api';
import { BusyError } from '../errors';

export interface WaitOptions {
  readonly deadline: number;
  /** Pause between DescribeInstance polls (Terraform uses 5 s). */
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** At the deadline, answer the last description instead of throwing (a read-back after an accepted write). */
  readonly settleForLast?: boolean;
}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls DescribeInstance until the instance is `active`. A change made while it is `activating` is
 * refused by the service, and one made on `inactive`/`invalid` never takes, so every write waits here
 * first and every change is read back after it.
 */
export async function waitForActive(es: ElasticsearchApi, instanceId: string, opts: WaitOptions): Promise<InstanceDescription> {
  const sleep = opts.sleep ?? sleepFor;
  for (;;) {
    const { instance } = await es.describeInstance(instanceId, { deadline: opts.deadline });
    if (instance.status === 'active') return instance;
    const remaining = opts.deadline - Date.now();
    if (remaining <= opts.pollMs) {
      if (opts.settleForLast) return instance;
      throw new BusyError(
        'InstanceNotActive',
        `instance ${instanceId} is still ${instance.status} at the deadline; retry later`,
        Math.max(1, Math.ceil(opts.pollMs / 1000)),
      );
    }
    await sleep(opts.pollMs);
  }
}
