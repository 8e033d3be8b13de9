import { z } from 'zod';
import { DomainError } from '../shared/domain-error';
import { openApiSchemaOf, parseBody, parseParam } from './validation';

const hold = z.strictObject({
  scheduleId: z.string().min(1),
  seatIds: z.array(z.string()).min(1).max(4),
});

const failureOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

describe('parseBody / parseParam', () => {
  it('returns the parsed value when valid', () => {
    expect(parseBody(hold, { scheduleId: 's', seatIds: ['a'] })).toEqual({ scheduleId: 's', seatIds: ['a'] });
    expect(parseParam(z.coerce.number().int(), '42', 'limit')).toBe(42);
  });

  it('lists every issue with its path, and says which fields are unknown', () => {
    const error = failureOf(() => parseBody(hold, { seatIds: [], extra: 1, more: 2 }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.extra.errors).toEqual(
      expect.arrayContaining([
        { path: 'scheduleId', message: expect.any(String) },
        { path: 'seatIds', message: expect.any(String) },
        { path: '', message: 'unknown field(s): extra, more' },
      ]),
    );
    expect(error.detail).toMatch(/scheduleId: .+; /);
  });

  it('points into arrays and prefixes parameters with their name', () => {
    expect(failureOf(() => parseBody(hold, { scheduleId: 's', seatIds: ['a', 7] })).extra.errors).toEqual([
      { path: 'seatIds.1', message: expect.any(String) },
    ]);
    expect(failureOf(() => parseParam(z.uuid(), 'nope', 'reservationId')).extra.errors).toEqual([
      { path: 'reservationId', message: expect.any(String) },
    ]);
  });

  it('rejects a body that is not an object at all', () => {
    expect(failureOf(() => parseBody(hold, null)).code).toBe('VALIDATION_FAILED');
  });
});

describe('openApiSchemaOf', () => {
  it('describes the input side of a strict schema', () => {
    expect(openApiSchemaOf(hold)).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['scheduleId', 'seatIds'],
      properties: { seatIds: { type: 'array', minItems: 1, maxItems: 4 } },
    });
  });
});
