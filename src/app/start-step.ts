import type { Logger } from '@nestjs/common';

const PROGRESS_EVERY_MS = 2_000;

export type StepDetails = Record<string, unknown> & {
  /** What to log every two seconds while the step runs. */
  readonly progress?: () => Record<string, unknown>;
};

/**
 * Runs one start-up step and logs it: when it begins, how far it has got
 * every two seconds while it runs, and when it ends (or fails), so a slow or
 * stuck start is never silent.
 */
export async function startStep<T>(
  logger: Logger,
  step: string,
  run: () => Promise<T>,
  { progress, ...details }: StepDetails = {},
): Promise<T> {
  const began = Date.now();
  logger.log({ step, ...details }, `${step}...`);
  const timer = setInterval(
    () => logger.log({ step, ms: Date.now() - began, ...progress?.() }, `${step}: still running`),
    PROGRESS_EVERY_MS,
  );
  try {
    const result = await run();
    logger.log({ step, ms: Date.now() - began, ...progress?.() }, `${step}: done`);
    return result;
  } catch (error) {
    logger.error({ step, ms: Date.now() - began, err: error }, `${step}: failed`);
    throw error;
  } finally {
    clearInterval(timer);
  }
}
