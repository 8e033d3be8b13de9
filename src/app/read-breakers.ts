import { Logger } from '@nestjs/common';
import { MetricsService } from '../http/metrics/metrics.service';
import { BREAKER_SETTINGS, StoreKind } from '../read/breakers/breaker-settings';
import { BreakerState, ReadBreaker } from '../read/breakers/read-breaker';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** A breaker for one read-model store, reporting its state and answers to /metrics. */
export function breakerFor(kind: StoreKind, metrics: MetricsService, logger: Logger): ReadBreaker {
  return new ReadBreaker(kind, BREAKER_SETTINGS[kind], {
    onState: (state) => {
      metrics.breakerState.set({ breaker: kind }, STATE_VALUE[state]);
      if (state !== 'closed') logger.warn({ breaker: kind, state }, 'read breaker left closed');
    },
    onAnswer: (answer) => metrics.readAnswers.inc({ breaker: kind, answer }),
  });
}
