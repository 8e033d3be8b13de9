import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config';
import type { EventStore } from '../event-store/event-store.port';
import type { MetricsService } from '../http/metrics/metrics.service';
import type { ReadBackends } from '../read/stores/read-backends';

export function openExternalBackends(
  _config: Extract<AppConfig['readStores'], { kind: 'external' }>,
  _store: EventStore,
  _metrics: MetricsService,
  _logger: Logger,
): ReadBackends {
  throw new Error('not wired yet');
}
