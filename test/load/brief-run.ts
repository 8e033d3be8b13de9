import { runScenario, RunResult } from '../../load/run';
import { Scenario } from '../../load/scenario';
import { SCENARIOS } from '../../load/scenarios';
import { ADMIN_KEY } from '../support/app';

/** Two VUs for two seconds (or `seconds`): long enough for every step to run, short enough for CI. */
const briefly = (scenario: Scenario, seconds: number): Scenario => ({
  ...scenario,
  stages: () => ({ startVus: 2, stages: [{ seconds, target: 2 }] }),
});

export async function briefRun(
  url: string,
  name: string,
  seats?: number,
  { seconds = 2, users }: { seconds?: number; users?: number } = {},
): Promise<RunResult> {
  const options = { vus: 2, duration: seconds, seats: seats ?? 400, ...(users ? { users } : {}) };
  const service = { url, adminKey: ADMIN_KEY };
  return runScenario(briefly(SCENARIOS[name], seconds), options, service, 'embedded', () => undefined);
}
