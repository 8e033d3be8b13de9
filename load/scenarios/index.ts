import { Scenario } from '../scenario';
import { hotSeats } from './hot-seats';
import { journey } from './journey';
import { queueSpike } from './queue-spike';
import { soak } from './soak';

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [queueSpike, journey, hotSeats, soak].map((s) => [s.name, s]),
);
