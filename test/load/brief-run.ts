import { runScenario, RunResult } from '../../load/run';
import { Scenario } from '../../load/scenario';
import { SCENARIOS } from '../../load/scenarios';
import { ADMIN_KEY } from '../support/app';

/** Two VUs for two seconds: long enough for every step to run, short enough for CI. */
const briefly = (scenario: Scenario): Scenario => ({
  ...scenario,
  stages: () => ({ startVus: 2, stages: [{ seconds: 2, target: 2 }] }),
});

export async function briefRun(url: string, name: string, seats?: number): Promise<RunResult> {
  const options = { vus: 2, duration: 2, seats: seats ?? 400 };
  return runScenario(briefly(SCENARIOS[name]), options, url, ADMIN_KEY, 'embedded', () => undefined);
}
