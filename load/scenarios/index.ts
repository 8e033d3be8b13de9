import { Scenario } from '../scenario';
import { hotSeats } from './hot-seats';
import { journey } from './journey';
import { onSale } from './on-sale';
import { queueSpike } from './queue-spike';
import { soak } from './soak';

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [queueSpike, journey, hotSeats, soak, onSale].map((s) => [s.name, s]),
);
