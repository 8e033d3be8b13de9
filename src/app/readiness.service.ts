import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '../event-store/event-store.port';
import { SqlEventStore } from '../event-store/sql-event-store';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { ADMISSION_PROCESS } from './tokens';
import { AdmissionProcess } from '../write/queue/admission.process';

/** A lag beyond this many events means queries would mostly wait or answer stale. */
const MAX_READY_LAG = 10_000;

@Injectable()
export class ReadinessService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: SqlEventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(ADMISSION_PROCESS) private readonly admission: AdmissionProcess,
  ) {}

  async check() {
    let head: number | undefined;
    try {
      head = await this.store.headPosition();
    } catch {
      head = undefined;
    }
    const position = this.readModels.position;
    const lag = head === undefined ? undefined : Math.max(0, head - position);
    const ready = head !== undefined && lag !== undefined && lag <= MAX_READY_LAG;
    return {
      ready,
      eventStore: { status: head === undefined ? 'down' : 'up', kind: this.store.client.kind, head },
      readModels: { status: 'up', kind: 'in-memory' },
      breakers: {},
      projections: {
        position,
        lag,
        skippedEvents: this.readModels.runner.skipped,
        admissionLeader: this.admission.isLeader,
      },
    };
  }
}
