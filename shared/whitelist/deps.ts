import type { Cloud } from '../api';
import { invocationDeadline } from '../instance/deadline';
import { logger } from '../logging';
import type { FcContext } from '../triggers';
import type { WhitelistDeps } from './service';
import { whitelistSettings } from './settings';

/** What one invocation works with: its cloud APIs, settings (read per invocation), deadline and logger. */
export function depsFor(context: FcContext, cloud: Cloud): WhitelistDeps {
  return { es: cloud.es, settings: whitelistSettings(), deadline: invocationDeadline(context), log: logger() };
}
