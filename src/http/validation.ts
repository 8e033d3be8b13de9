import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../shared/domain-error';
import { enhanceMethod } from './method-enhancer';

export { parseId } from '../shared/ids';

export type ValidationIssue = { readonly path: string; readonly message: string };

// A few issues are enough to fix a request; the full list is in `errors`.
const ISSUES_IN_DETAIL = 3;

/** Parses a request body; strict schemas make unknown fields a 400 too. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  return parseWith(schema, body, '');
}

/** Parses one path or query parameter; issue paths start with the parameter's name. */
export function parseParam<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  return parseWith(schema, value, name);
}

/** `@ZodBody(schema) body: T` validates the body and documents it in OpenAPI in one place. */
export function ZodBody<T>(schema: z.ZodType<T>): ParameterDecorator {
  return (target, key, index) => {
    // Wrapped: a zod schema has a `transform` method, so Nest would take it for a pipe.
    zodBodyParam({ schema })(target, key, index);
    enhanceMethod(apiBody(schema))(target, key, index);
  };
}

/** Swagger request body generated from the same zod schema that validates it. */
export function apiBody(schema: z.ZodType): MethodDecorator {
  return ApiBody({ schema: openApiSchemaOf(schema) });
}

export function openApiSchemaOf(schema: z.ZodType): SchemaObject {
  // `io: 'input'` describes what clients send, before defaults and transforms.
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as SchemaObject;
}

const zodBodyParam = createParamDecorator(({ schema }: { schema: z.ZodType }, context: ExecutionContext) =>
  parseBody(schema, context.switchToHttp().getRequest<FastifyRequest>().body),
);

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.'),
    message: messageOf(issue),
  }));
  const listed = errors.slice(0, ISSUES_IN_DETAIL).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const more = errors.length > ISSUES_IN_DETAIL ? ` (and ${errors.length - ISSUES_IN_DETAIL} more)` : '';
  throw new DomainError('VALIDATION_FAILED', `${listed.join('; ')}${more}`, { errors });
}

function messageOf(issue: z.core.$ZodIssue): string {
  // Zod's text for unknown keys does not say which object they were found in; the path does.
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return issue.message;
}
