import type { Tag } from '../api';
import type { Env } from '../config';
import { allowedInstanceIds, ConfigError, intSetting, listSetting, stringSetting } from '../config';
import { secretNameTemplateSetting } from '../rotation';

/**
 * Which FC API invokes the rotate function: FC 3.0 InvokeFunction (2023-03-30) or FC 2.0 through
 * @alicloud/fc2. Set by FLEET_TRANSPORT, the name deployed configurations use.
 */
export type FleetInvoker = 'fc3' | 'fc2';

export const DEFAULT_FLEET_TAG: Tag = { tagKey: 'es-guard:rotate', tagValue: 'true' };
export const DEFAULT_ROTATE_FUNCTION = 'es-guard-rotate-password';
/** ListInstance's largest page. */
export const PAGE_SIZE = 100;

/** Everything rotate-fleet reads from the environment, parsed once per invocation so a bad value fails loudly. */
export interface FleetSettings {
  /** Instances carrying this tag (key and value) are the fleet. */
  readonly tag: Tag;
  /** Regions to list, each through its own endpoints; empty means the function's own region. */
  readonly regions: readonly string[];
  /** A secret whose ACSCurrent version is older than this is due; also the length of a rotation period. */
  readonly intervalSeconds: number;
  /** Secret reads and invocations in flight at once. */
  readonly concurrency: number;
  /** Invocations are started over this window (capped by the function's deadline); 0 starts them at once. */
  readonly spreadSeconds: number;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  /** FLEET_TRANSPORT, under its documented name: the FC API the invocations go through (not HTTP). */
  readonly transport: FleetInvoker;
  /** FC 2.0 service holding the rotate function (FLEET_TRANSPORT=fc2 only). */
  readonly fc2ServiceName: string | undefined;
  readonly secretNameTemplate: string;
  /** Empty: every tagged instance. */
  readonly allowedInstanceIds: readonly string[];
  /**
   * A rotation whose ACSPending version is older than this is stuck (its invocation and FC's retries are
   * over) and is dispatched again, under a resume task id of its own. Must exceed how long one dispatch can
   * live: rotate-password's timeout times its async attempts (1800 s x 4 in s.yaml), so the default is 3 h.
   */
  readonly resumePendingAfterSeconds: number;
}

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const QUALIFIER = /^[A-Za-z0-9_-]{1,128}$/;
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;
const MAX_INTERVAL_DAYS = 3650;
export const DEFAULT_RESUME_PENDING_AFTER_SECONDS = 3 * 3600;

export function fleetSettings(env: Env = process.env): FleetSettings {
  const secretNameTemplate = secretNameTemplateSetting(env);

  const tagKey = stringSetting(env, 'FLEET_TAG_KEY', DEFAULT_FLEET_TAG.tagKey);
  const tagValue = stringSetting(env, 'FLEET_TAG_VALUE', DEFAULT_FLEET_TAG.tagValue);
  if (tagKey.length > 128) throw new ConfigError('FLEET_TAG_KEY', 'must be at most 128 characters');
  if (tagValue.length > 128) throw new ConfigError('FLEET_TAG_VALUE', 'must be at most 128 characters');

  const regions = listSetting(env, 'FLEET_REGIONS');
  const badRegion = regions.find((r) => !REGION.test(r));
  if (badRegion !== undefined) throw new ConfigError('FLEET_REGIONS', `"${badRegion}" is not a region id such as cn-hangzhou`);

  // Seconds win over days: tests and staging rotate in seconds, production in days.
  const days = intSetting(env, 'ROTATION_INTERVAL_DAYS', 30, { min: 1, max: MAX_INTERVAL_DAYS });
  const intervalSeconds = intSetting(env, 'ROTATION_INTERVAL_SECONDS', days * 86_400, { min: 1, max: MAX_INTERVAL_DAYS * 86_400 });

  const functionName = stringSetting(env, 'ROTATE_FUNCTION_NAME', DEFAULT_ROTATE_FUNCTION);
  if (!FUNCTION_NAME.test(functionName))
    throw new ConfigError('ROTATE_FUNCTION_NAME', 'must be an FC function name: a letter or _ then letters, digits, _ or -, at most 64');
  const qualifier = stringSetting(env, 'ROTATE_FUNCTION_QUALIFIER');
  if (qualifier !== undefined && !QUALIFIER.test(qualifier))
    throw new ConfigError('ROTATE_FUNCTION_QUALIFIER', 'must be a version number or an alias name');

  const transport = stringSetting(env, 'FLEET_TRANSPORT', 'fc3').toLowerCase();
  if (transport !== 'fc3' && transport !== 'fc2') throw new ConfigError('FLEET_TRANSPORT', `must be fc3 or fc2, got "${transport}"`);
  const fc2ServiceName = stringSetting(env, 'FC2_SERVICE_NAME');
  if (transport === 'fc2' && fc2ServiceName === undefined)
    throw new ConfigError('FC2_SERVICE_NAME', 'is required when FLEET_TRANSPORT=fc2 (the FC 2.0 service of the rotate function)');
  if (fc2ServiceName !== undefined && !FUNCTION_NAME.test(fc2ServiceName))
    throw new ConfigError('FC2_SERVICE_NAME', 'must be an FC service name: a letter or _ then letters, digits, _ or -');

  return {
    tag: { tagKey, tagValue },
    regions,
    intervalSeconds,
    concurrency: intSetting(env, 'FLEET_CONCURRENCY', 16, { min: 1, max: 256 }),
    spreadSeconds: intSetting(env, 'FLEET_SPREAD_SECONDS', 0, { min: 0, max: 86_400 }),
    functionName,
    qualifier,
    transport,
    fc2ServiceName,
    secretNameTemplate,
    allowedInstanceIds: allowedInstanceIds(env),
    resumePendingAfterSeconds: intSetting(env, 'FLEET_RESUME_PENDING_AFTER_SECONDS', DEFAULT_RESUME_PENDING_AFTER_SECONDS, {
      min: 1,
      max: MAX_INTERVAL_DAYS * 86_400,
    }),
  };
}
