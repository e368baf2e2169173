export type Step = 'create' | 'set' | 'test' | 'finish';

/**
 * TEST-ONLY fault injection: with `ESGUARD_TEST_CRASH_AFTER=<step>` the process kills itself with SIGKILL
 * right after that step, the way FC kills an instance that hits its timeout, so tests can prove a re-run
 * completes. Never set it in a deployment. Read on every call, so one test process can arm it per child.
 */
export function crashPoint(step: Step): void {
  if (process.env['ESGUARD_TEST_CRASH_AFTER'] === step) process.kill(process.pid, 'SIGKILL');
}
