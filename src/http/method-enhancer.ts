/**
 * Lets a parameter decorator also decorate its method, so one `@QueueToken()`
 * or `@ZodBody()` both does the work and documents it in OpenAPI.
 */
export function enhanceMethod(decorator: MethodDecorator): ParameterDecorator {
  return (target, key) => {
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) decorator(target, key, descriptor);
  };
}
