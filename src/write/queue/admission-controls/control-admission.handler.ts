import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { concertState } from '../../catalog/concert-catalog';
import { AdmissionCommand, admissionDecider, admissionStream, admitPerMinuteOf } from '../admission.decider';

export type AdmissionControl =
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'rate'; readonly admitPerMinute: number | null };

export type AdmissionSettingsView = {
  concertId: string;
  paused: boolean;
  /** The rate in force (the ledger's, else the concert's); null is no limit. */
  admitPerMinute: number | null;
  position: number;
};

export class ControlAdmissionCommand extends Command<AdmissionSettingsView> {
  constructor(
    readonly concertId: string,
    readonly control: AdmissionControl,
  ) {
    super();
  }
}

/**
 * The admin's admission controls, written on the concert's admission ledger
 * with the expected revision, beside the leader's admissions: the leader's
 * next decision folds them from the same stream.
 */
@CommandHandler(ControlAdmissionCommand)
export class ControlAdmissionHandler implements ICommandHandler<ControlAdmissionCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ concertId, control }: ControlAdmissionCommand): Promise<AdmissionSettingsView> {
    const concert = (await concertState(this.store, concertId)).created;
    if (!concert) throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    const metadata = metadataAt(this.clock.now());
    const command: AdmissionCommand =
      control.kind === 'pause'
        ? { type: 'PauseAdmission', data: { concertId }, metadata }
        : control.kind === 'resume'
          ? { type: 'ResumeAdmission', data: { concertId }, metadata }
          : { type: 'SetAdmissionRate', data: { concertId, admitPerMinute: control.admitPerMinute }, metadata };
    const { state, position } = await handleCommand(this.store, admissionStream(concertId), admissionDecider, command);
    return {
      concertId,
      paused: state.paused,
      admitPerMinute: admitPerMinuteOf(state, concert.admitPerMinute) ?? null,
      // A no-op (already paused, same rate) wrote nothing: the head covers the event that made it so.
      position: position ?? (await this.store.headPosition()),
    };
  }
}
