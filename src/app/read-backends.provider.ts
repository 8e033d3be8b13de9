import { Logger, Provider } from '@nestjs/common';
import { AppConfig, CONFIG } from '../config';
import { EVENT_STORE } from '../event-store/event-store.port';
import type { EventStore } from '../event-store/event-store.port';
import { COORDINATION, Coordination } from '../event-store/coordination/coordination.port';
import { MetricsService } from '../http/metrics/metrics.service';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { InMemoryDocumentReads, InMemoryQueueReads } from '../read/stores/in-memory.reads';
import { READ_BACKENDS, ReadBackends } from '../read/stores/read-backends';
import { openExternalBackends } from './external-read-backends';
import { breakerFor } from './read-breakers';

/** The embedded profile reads the in-process maps; production reads Redis and MongoDB fed by their own runners. */
export const readBackendsProvider: Provider = {
  provide: READ_BACKENDS,
  inject: [CONFIG, EVENT_STORE, COORDINATION, READ_MODELS, MetricsService],
  useFactory: (
    config: AppConfig,
    store: EventStore,
    coordination: Coordination,
    readModels: ReadModels | null,
    metrics: MetricsService,
  ) => {
    const logger = new Logger('ReadStores');
    if (config.readStores.kind === 'external') {
      return openExternalBackends(config.readStores, store, coordination, config.instanceId, metrics, logger);
    }
    if (!readModels) throw new Error('the embedded profile reads its in-process read models');
    const breaker = breakerFor('memory', metrics, logger);
    const backends: ReadBackends = {
      queue: { reads: new InMemoryQueueReads(readModels.documents), breaker, tracker: readModels.runner },
      documents: { reads: new InMemoryDocumentReads(readModels.documents), breaker, tracker: readModels.runner },
      runners: [],
      breakers: [breaker],
      close: async () => breaker.shutdown(),
    };
    return backends;
  },
};
