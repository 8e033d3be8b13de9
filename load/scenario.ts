import type { EventStoreConfig } from '../src/event-store/open-event-store';
import { Http } from './http';
import { Stage, Vu } from './vus';

export type RunOptions = { vus: number; duration: number; seats?: number; users?: number };

export type SetupContext = {
  http: Http;
  adminKey: string;
  progress(message: string): void;
  /** What the scenario's prepare() wrote, when the runner started the service itself. */
  prepared?: unknown;
};

/** A target as k6 writes it: `<step>_latency p(95)<=10`, `<step>_success rate>=500`, `http_req_failed count==0`. */
export type Threshold =
  | { step: string; stat: 'p95' | 'p99'; max: number }
  | { step: string; stat: 'rate'; min: number }
  | { stat: 'failures'; max: number };

// `any`: the registry holds scenarios of different setup data; each is typed where it is written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Scenario<Data = any> = {
  name: string;
  /** One line for --help. */
  about: string;
  defaults: RunOptions;
  /** The service settings this scenario needs (capacity, hold length), applied when the runner starts it. */
  serviceEnv(options: RunOptions): Record<string, string>;
  stages(options: RunOptions): { startVus: number; stages: Stage[] };
  /**
   * Before the service starts (only when the runner starts it): writes into
   * its empty event store what would take too long over HTTP, such as
   * thousands of sign-ups, and signs their tokens with the service's secret.
   */
  prepare?(
    store: EventStoreConfig,
    jwtSecret: string,
    options: RunOptions,
    progress: (message: string) => void,
  ): Promise<unknown>;
  setup(context: SetupContext, options: RunOptions): Promise<Data>;
  iterate(vu: Vu, data: Data, options: RunOptions): Promise<void>;
  /** Checks after the run; returns what it found, throws when an invariant broke. */
  teardown?(context: SetupContext, data: Data, options: RunOptions): Promise<string>;
  thresholds(options: RunOptions): Threshold[];
};
